"""The inference benchmark's tables and docs/benchmarks-inference.md."""

from __future__ import annotations

import math
import os
import platform
from typing import Any

import torch

from bench import machine
from bench.dataset import REPO
from bench.inference import findings
from bench.inference.quality import MAX_NEW_TOKENS

DOC_FILE = REPO / "docs" / "benchmarks-inference.md"
COMMAND = ".venv/bin/python -m bench --inference"


def _f(value: float, fmt: str) -> str:
    return "–" if math.isnan(value) else format(value, fmt)


def speed_table(results: Any) -> str:
    """One row per variant: first token, forwards, decode, prefill GFLOP/s, each against fp32 / 1 thread."""
    ref = findings.reference(results)
    rows = [
        "| variant | prompt tokens | first token | × fp32/1t | forward, all logits | forward, `logits_to_keep=1` "
        "| decode | × fp32/1t | prefill GFLOP/s | of ceiling | 64-token answer |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in results.speeds:
        flops = findings.gflops(results, s)
        rows.append(
            f"| {s.label} | {s.prompt_tokens} | {s.ttft_s:.2f} s | {ref.ttft_s / s.ttft_s:.2f} "
            f"| {_f(s.forward_all_logits_s, '.2f')} s | {_f(s.forward_last_logit_s, '.2f')} s "
            f"| {s.decode_tok_s:.1f} tok/s ({s.decode_tokens}) | {s.decode_tok_s / ref.decode_tok_s:.2f} "
            f"| {flops:.0f} | {flops / results.ceilings[s.threads]:.0%} | {findings.answer_seconds(s):.1f} s |"
        )
    return "\n".join(rows)


def quality_table(results: Any) -> str:
    """Key-fact hit rate and agreement with fp32, per quantization."""
    ref = results.qualities.get("none")
    rows = [
        "| quantization | questions | key-fact hits | Δ vs fp32 | same answer as fp32 | time |",
        "|---|---|---|---|---|---|",
    ]
    for name, q in results.qualities.items():
        agree = q.agreement(ref) if ref else math.nan
        rows.append(
            f"| {name} | {len(q.hits)} | {sum(q.hits)} ({q.hit_rate:.1%}) | {findings.points(results, name):+.1f} pts "
            f"| {_f(agree * 100, '.0f')}% | {q.seconds:.0f} s |"
        )
    return "\n".join(rows)


def ceiling_table(results: Any) -> str:
    """The measured fp32 matmul ceiling."""
    cells = " | ".join(f"{results.ceilings[n]:.0f} GFLOP/s" for n in (1, 2))
    return f"| fp32 `torch.matmul` 2048³ | 1 thread | 2 threads |\n|---|---|---|\n| best of 5 | {cells} |"


def tables(results: Any) -> str:
    """All tables and the recommendation, as printed to stdout."""
    best, why = findings.recommend(results)
    default = best.quantization if best else "none"
    return "\n\n".join(
        [
            speed_table(results),
            ceiling_table(results),
            quality_table(results),
            f"Recommended default: {default} — {why}",
        ]
    )


def _versions() -> str:
    import bitsandbytes
    import transformers

    return (
        f"Python {platform.python_version()}, torch {torch.__version__}, transformers {transformers.__version__}, "
        f"bitsandbytes {bitsandbytes.__version__}"
    )


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def _header(results: Any) -> list[str]:
    facts, n = results.facts, len(results.qas)
    return [
        "# Inference benchmark: quantization on this CPU",
        "",
        f"Command: `{COMMAND}`" + (" `--quick` (every 3rd question)" if results.quick else "") + ". It is not part "
        "of plain `make bench` (it takes several minutes on its own). `--no-write` prints without rewriting this file.",
        "",
        f"- Date: {facts['date']}; runtime {facts['runtime_s'] / 60:.1f} min.",
        f"- Machine: {machine.cpu_model()}, {os.cpu_count()} cores; {_versions()}.",
        f"- Load average (1/5/15 min) before {_load(facts['load_start'])}, after {_load(facts['load_end'])}.",
        f"- Model: SmolLM2-135M-Instruct ({results.n_params / 1e6:.1f} M parameters), "
        "dense fp32 from the bundled GGUF.",
        f"- Speed: one grounded prompt (system prompt, numbered handbook passages, a question, chat template), "
        "first token = median `generate(max_new_tokens=1)`, decode rate = (N−1) tokens / (time for N forced greedy "
        "tokens − first token). Quality: the app's compact prompt (ANSWER_PROMPT with the retrieved facts) for "
        f"{n} handbook questions, greedy, at most {MAX_NEW_TOKENS} new tokens, scored with bench/keyfacts.py.",
        "",
    ]


def markdown(results: Any) -> str:
    """The whole docs/benchmarks-inference.md."""
    best, why = findings.recommend(results)
    default = best.quantization if best else "none"
    threads = f" with `STEWARD_LLM_THREADS={best.threads}`" if best else ""
    lines = [
        *_header(results),
        "## Speed (ratios are speed-ups against fp32 / 1 thread)",
        "",
        speed_table(results),
        "",
        ceiling_table(results),
        "",
        "## Answer quality against fp32",
        "",
        quality_table(results),
        "",
        "Quality is measured once per quantization (fp32 at 1 thread is the reference, dynamic-int8 at 2 threads, "
        "bitsandbytes at 1): the thread count changes only the order of float sums, not the weights. These are the "
        "model's own answers, without the app's groundedness check and quoting fallback, so the hit rates are lower "
        "than the app's in docs/benchmarks.md.",
        "",
        "## What this shows",
        "",
        *[f"- {line}" for line in findings.summary(results)],
        "",
        "## Recommended CPU default",
        "",
        f"`STEWARD_LLM_QUANTIZATION={default}`{threads}: {why}. Rule: the fastest variant (time for a 64-token "
        "answer to the grounded prompt) whose key-fact hit rate is within 2 points of fp32; otherwise `none`.",
        "",
    ]
    return "\n".join(lines)
