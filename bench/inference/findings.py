"""What the numbers show: ratios against fp32 / 1 thread, the goals, and the recommended CPU default."""

from __future__ import annotations

import math
from typing import Any

from bench.inference.speed import Speed

TTFT_GOAL_S = 1.0
DECODE_GOAL = 30.0
QUALITY_POINTS = 2.0
ANSWER_TOKENS = 64


def reference(results: Any) -> Speed:
    """The fp32, 1-thread speed row every ratio is taken against."""
    return next(s for s in results.speeds if s.quantization == "none" and s.threads == 1)


def answer_seconds(s: Speed) -> float:
    """Seconds for a 64-token answer to the grounded prompt: first token plus 63 decoded tokens."""
    return s.ttft_s + (ANSWER_TOKENS - 1) / s.decode_tok_s


def gflops(results: Any, s: Speed) -> float:
    """Prefill GFLOP/s: 2 · parameters · prompt tokens / first-token seconds."""
    return 2 * results.n_params * s.prompt_tokens / s.ttft_s / 1e9


def points(results: Any, quantization: str) -> float:
    """Key-fact hit rate of ``quantization`` minus fp32's, in percentage points (NaN when not measured)."""
    ours, ref = results.qualities.get(quantization), results.qualities.get("none")
    return (ours.hit_rate - ref.hit_rate) * 100 if ours and ref else math.nan


def recommend(results: Any) -> tuple[Speed | None, str]:
    """The fastest variant whose hit rate is within 2 points of fp32 (else fp32 / 1 thread), and why."""
    ok = [s for s in results.speeds if s.quantization in results.qualities and points(results, s.quantization) >= -2]
    if not ok:
        return None, "no variant had a measured quality within 2 points of fp32, so the default stays `none`"
    best = min(ok, key=answer_seconds)
    delta = points(results, best.quantization)
    why = (
        f"`{best.label}` is the fastest variant whose key-fact hit rate is within {QUALITY_POINTS:.0f} points of "
        f"fp32 ({delta:+.1f} points); a 64-token answer to the 500-token prompt takes {answer_seconds(best):.2f} s "
        f"against {answer_seconds(reference(results)):.2f} s for fp32 / 1 thread"
    )
    return best, why


def _speed_lines(results: Any) -> list[str]:
    ref, speeds = reference(results), results.speeds
    first, decode = min(speeds, key=lambda s: s.ttft_s), max(speeds, key=lambda s: s.decode_tok_s)
    lines = [
        f"Fastest first token: `{first.label}`, {first.ttft_s:.2f} s for {first.prompt_tokens} prompt tokens "
        f"({ref.ttft_s / first.ttft_s:.2f}× fp32 / 1 thread, {ref.ttft_s:.2f} s). Goal ≤ {TTFT_GOAL_S:.1f} s: "
        + ("**met**." if first.ttft_s <= TTFT_GOAL_S else "**missed**."),
        f"Fastest decoding: `{decode.label}`, {decode.decode_tok_s:.1f} tok/s "
        f"({decode.decode_tok_s / ref.decode_tok_s:.2f}× "
        f"fp32 / 1 thread, {ref.decode_tok_s:.1f} tok/s). Goal ≥ {DECODE_GOAL:.0f} tok/s: "
        + ("**met**." if decode.decode_tok_s >= DECODE_GOAL else "**missed**."),
        f"fp32 / 1 thread prefills at {gflops(results, ref):.0f} GFLOP/s, "
        f"{gflops(results, ref) / results.ceilings[1]:.0%} of the measured 1-thread matmul ceiling "
        f"({results.ceilings[1]:.0f} GFLOP/s): fp32 prefill is compute-bound, so only fewer or cheaper FLOPs help.",
    ]
    if not math.isnan(ref.forward_all_logits_s):
        saved = 1 - ref.forward_last_logit_s / ref.forward_all_logits_s
        lines.append(
            f"`logits_to_keep=1` cuts an fp32 / 1 thread prefill forward from {ref.forward_all_logits_s:.2f} s "
            f"(all {ref.prompt_tokens} rows of logits) to {ref.forward_last_logit_s:.2f} s ({saved:.0%} less). "
            "transformers 5's `generate` already passes `logits_to_keep=1` for Llama, so the first-token "
            "figures above include this lever; only a hand-written forward pass would miss it."
        )
    return lines


def _quality_lines(results: Any) -> list[str]:
    ref = results.qualities.get("none")
    if ref is None:
        return ["fp32 quality was not measured, so no quantized variant can be judged."]
    lines = []
    for name, q in results.qualities.items():
        if name == "none":
            continue
        delta = points(results, name)
        within = delta >= -QUALITY_POINTS
        agree = q.agreement(ref)
        tail = "the key facts survive though most answers are worded differently" if within and agree < 0.5 else ""
        lines.append(
            f"`{name}` hits {q.hit_rate:.1%} of key facts against fp32's {ref.hit_rate:.1%} ({delta:+.1f} points, "
            f"{'within' if within else '**outside**'} the {QUALITY_POINTS:.0f}-point goal); {agree:.0%} of its "
            "answers are identical to fp32's" + (f": {tail}." if tail else ".")
        )
    step = 100 / len(ref.hits) if ref.hits else math.nan
    lines.append(
        f'One question is {step:.1f} points here, so "within {QUALITY_POINTS:.0f} points" means no fewer hits than '
        "fp32 (hits can also trade places between questions)."
    )
    return lines


def _goal_line(results: Any) -> str:
    best, _ = recommend(results)
    s = best or reference(results)
    marks = [
        f"first token {s.ttft_s:.2f} s ({'met' if s.ttft_s <= TTFT_GOAL_S else 'missed'})",
        f"decode {s.decode_tok_s:.1f} tok/s ({'met' if s.decode_tok_s >= DECODE_GOAL else 'missed'})",
        f"quality {points(results, s.quantization):+.1f} points "
        f"({'met' if points(results, s.quantization) >= -QUALITY_POINTS else 'missed'})",
    ]
    line = f"With the recommended setting (`{s.label}`) the goals read: " + "; ".join(marks) + "."
    fast = [v.label for v in results.speeds if v.decode_tok_s >= DECODE_GOAL and v.ttft_s <= TTFT_GOAL_S]
    if fast and all(points(results, v.quantization) < -QUALITY_POINTS for v in results.speeds if v.label in fast):
        line += " Both speed goals are met only by " + ", ".join(f"`{f}`" for f in fast) + ", which lose quality."
    return line


def summary(results: Any) -> list[str]:
    """The "what this shows" bullets, generated from the numbers."""
    lines = _speed_lines(results) + _quality_lines(results) + [_goal_line(results)]
    for name, reason in results.failures.items():
        lines.append(f"`{name}` could not be measured: {reason}.")
    ref, ceiling = reference(results), results.ceilings
    over = [s.label for s in results.speeds if gflops(results, s) > 1.1 * ceiling[s.threads]]
    if over:
        lines.append(
            "Prefill above 100% of the fp32 ceiling (" + ", ".join(f"`{o}`" for o in over) + ") means the variant "
            "does cheaper, non-fp32 arithmetic (int8 / fp16 kernels): the figure is fp32-equivalent GFLOP/s."
        )
    bnb = [s for s in results.speeds if s.quantization in ("nf4", "int8")]
    if bnb:
        parts = ", ".join(f"`{s.label}` {s.decode_tok_s / ref.decode_tok_s:.2f}×" for s in bnb)
        lines.append(
            f"bitsandbytes runs on this CPU through its CPU backend, decoding at {parts} fp32 / 1 thread's rate "
            "(an older build measured ~0.4 tok/s for nf4: re-measure after upgrading it)."
        )
    return lines
