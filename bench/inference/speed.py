"""Speed: the fp32 matmul ceiling, first-token latency (prefill) and the greedy decode rate of one model."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

MATMUL_SIZE = 2048
SLOW_PREFILL_S = 10.0


@dataclass(frozen=True)
class Speed:
    """One variant's timings on the grounded prompt (seconds; NaN where not measured)."""

    label: str
    quantization: str
    threads: int
    prompt_tokens: int
    ttft_s: float
    forward_all_logits_s: float
    forward_last_logit_s: float
    decode_tok_s: float
    decode_tokens: int


def _timed(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_gflops(threads: int, size: int = MATMUL_SIZE, repeats: int = 5) -> float:
    """The best fp32 ``torch.matmul`` rate of two ``size``² matrices with ``threads`` torch threads."""
    torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.matmul(a, b)
    best = min(_timed(lambda: torch.matmul(a, b), 1) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _greedy(tokenizer: Any) -> dict[str, Any]:
    return {
        "do_sample": False,
        "temperature": None,
        "top_p": None,
        "top_k": None,
        "pad_token_id": tokenizer.eos_token_id,
    }


def generate(model: Any, tokenizer: Any, inputs: dict[str, Any], tokens: int, forced: bool = False) -> Any:
    """Greedy ``generate``; ``forced`` makes it produce exactly ``tokens`` new tokens (no early EOS)."""
    extra = {"min_new_tokens": tokens} if forced else {}
    with torch.inference_mode():
        return model.generate(**inputs, max_new_tokens=tokens, **extra, **_greedy(tokenizer))


def _forward(model: Any, inputs: dict[str, Any], keep: int) -> None:
    with torch.inference_mode():
        model(**inputs, logits_to_keep=keep, use_cache=True)


def measure(model: Any, tokenizer: Any, inputs: dict[str, Any], label: tuple[str, str, int], plan: Any) -> Speed:
    """Time prefill (``generate`` for one token, and plain forwards with all / the last logits) and decoding."""
    name, quantization, threads = label
    torch.set_num_threads(threads)
    generate(model, tokenizer, {k: v[:, :16] for k, v in inputs.items()}, 2)  # warm-up, cheap
    ttft = _timed(lambda: generate(model, tokenizer, inputs, 1), plan.repeats)
    every = last = float("nan")
    if plan.forwards and ttft < SLOW_PREFILL_S:
        every = _timed(lambda: _forward(model, inputs, 0), plan.repeats)
        last = _timed(lambda: _forward(model, inputs, 1), plan.repeats)
    n = plan.decode_tokens if ttft < SLOW_PREFILL_S else 8  # a very slow loader gets a tiny measurement
    total = _timed(lambda: generate(model, tokenizer, inputs, n, forced=True), 1)
    decode = (n - 1) / max(total - ttft, 1e-9)
    return Speed(name, quantization, threads, int(inputs["input_ids"].shape[1]), ttft, every, last, decode, n)
