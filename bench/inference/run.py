"""Run the inference benchmark: prompts first (embedded server stopped), then each quantization in turn."""

from __future__ import annotations

import gc
import logging
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

from agents.models.loading import load_causal_lm
from bench import machine
from bench.dataset import MODEL_CACHE, QA, load_qa
from bench.inference import prompts, quality, report, speed

QUICK_STRIDE = 3


@dataclass(frozen=True)
class ModePlan:
    """How one quantization mode is measured."""

    quantization: str
    threads: tuple[int, ...]
    decode_tokens: int = 64
    repeats: int = 3
    forwards: bool = True
    quality_threads: int | None = None  # None: no quality run (too slow on this CPU)


PLAN = (
    ModePlan("none", (1, 2), quality_threads=1),
    ModePlan("dynamic-int8", (1, 2), quality_threads=2),
    ModePlan("int8", (1, 2), repeats=2, quality_threads=1),
    ModePlan("nf4", (1, 2), repeats=2, quality_threads=1),
)
MIN_QUALITY_TOK_S = 5.0  # below this (bitsandbytes on some CPUs: ~0.4 tok/s) the QA run is skipped


@dataclass
class Results:
    """Everything one run measured."""

    quick: bool
    qas: list[QA]
    ceilings: dict[int, float] = field(default_factory=dict)
    speeds: list[speed.Speed] = field(default_factory=list)
    qualities: dict[str, quality.Quality] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    n_params: int = 0
    facts: dict[str, Any] = field(default_factory=dict)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _ensure_model() -> None:
    from agents.models.convert import bundled_gguf, ensure_dense

    if not (MODEL_CACHE / "config.json").is_file():
        ensure_dense(bundled_gguf(), MODEL_CACHE)


def _run_mode(plan: ModePlan, tokenizer: Any, grounded: dict[str, Any], chats: list[Any], results: Results) -> None:
    model = load_causal_lm(MODEL_CACHE, plan.quantization, "cpu")
    if plan.quantization == "none":
        results.n_params = sum(p.numel() for p in model.parameters())
    for threads in plan.threads:
        label = f"{plan.quantization} / {threads} thread{'s' if threads > 1 else ''}"
        _say(f"speed: {label}...")
        results.speeds.append(speed.measure(model, tokenizer, grounded, (label, plan.quantization, threads), plan))
    if plan.quality_threads is not None and results.speeds[-1].decode_tok_s < MIN_QUALITY_TOK_S:
        results.failures[f"{plan.quantization} quality"] = f"skipped, decode below {MIN_QUALITY_TOK_S} tok/s"
    elif plan.quality_threads is not None:
        _say(f"quality: {plan.quantization} on {len(chats)} questions...")
        refs = [qa.answer for qa in results.qas]
        results.qualities[plan.quantization] = quality.answer_all(
            model, tokenizer, chats, refs, plan.quantization, plan.quality_threads
        )
        _say("  e.g. " + " | ".join(results.qualities[plan.quantization].answers[:2]))
    del model
    gc.collect()


def measure(quick: bool) -> Results:
    """Measure every variant in :data:`PLAN` (a failing mode is recorded, not fatal)."""
    from transformers import AutoTokenizer

    _ensure_model()
    qas = load_qa()[::QUICK_STRIDE] if quick else load_qa()
    results = Results(quick=quick, qas=qas)
    _say(f"prompts: ingesting the handbook, facts for {len(qas)} questions...")
    chats = prompts.qa_chats(qas)
    tokenizer = AutoTokenizer.from_pretrained(MODEL_CACHE, local_files_only=True)
    grounded = prompts.grounded_prompt(tokenizer)
    _say("fp32 matmul ceiling...")
    results.ceilings = {n: speed.matmul_gflops(n) for n in (1, 2)}
    for plan in PLAN:
        try:
            _run_mode(plan, tokenizer, grounded, chats, results)
        except Exception as exc:  # noqa: BLE001 - one loader failing must not lose the others' numbers
            results.failures[plan.quantization] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            _say(f"{plan.quantization} failed: {results.failures[plan.quantization]}")
    return results


def main(write: bool = True, quick: bool = False) -> int:
    """Run, print the tables, and (unless ``write`` is false) write docs/benchmarks-inference.md."""
    started, date, load_start = time.perf_counter(), machine.date_utc(), machine.load_average()
    for name in ("transformers", "bitsandbytes"):
        logging.getLogger(name).setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = measure(quick)
    results.facts = {
        "date": date,
        "load_start": load_start,
        "load_end": machine.load_average(),
        "runtime_s": time.perf_counter() - started,
    }
    print(report.tables(results))
    if write:
        report.DOC_FILE.write_text(report.markdown(results), encoding="utf-8")
        _say(f"wrote {report.DOC_FILE}")
    return 0
