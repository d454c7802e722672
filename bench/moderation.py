"""Moderation benchmark: our injection layer vs forcefield 0.8.0 on the held-out S-Labs test split, plus latency.

Run: ``python -c "from bench.moderation import run_moderation_bench; print(run_moderation_bench())"``.
Also reports, on Steward's sample handbook (never used for training): employee questions wrongly flagged,
handbook paragraphs wrongly quarantined as chunks, and paragraphs with an S-Labs test injection spliced in
that are caught.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import forcefield

from governance.moderation import Action, InjectionClassifier, LayerPolicy, ModerationSettings, make_moderator
from governance.moderation.corpora import binary_metrics, slabs
from governance.moderation.ngram_model import NgramLogisticModel

SAMPLES = Path(__file__).resolve().parents[1] / "bot" / "samples"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _latency_ms(check: Callable[[str], object], texts: Sequence[str]) -> dict[str, float]:
    check(texts[0])
    timings = []
    for text in texts:
        started = time.perf_counter()
        check(text)
        timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=100)
    return {"p50_ms": round(statistics.median(timings), 3), "p95_ms": round(cuts[94], 3), "n": len(texts)}


def _handbook() -> tuple[list[str], list[str]]:
    questions = [json.loads(line)["question"] for line in (SAMPLES / "handbook_qa.jsonl").read_text().splitlines()]
    paragraphs = [
        block.strip()
        for path in sorted((SAMPLES / "handbook").glob("*.md"))
        for block in path.read_text(encoding="utf-8").split("\n\n")
        if len(block.strip()) > 20
    ]
    return questions, paragraphs


def _spliced(paragraphs: list[str], injections: list[str]) -> list[str]:
    rng = random.Random(0)  # noqa: S311 - reproducible sampling
    out = []
    for paragraph in paragraphs:
        sentences = _SENTENCE.split(paragraph)
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(injections))
        out.append(" ".join(sentences))
    return out


def _handbook_rates(ours: Callable[[str, Any], bool], peer: Callable[[str], bool]) -> dict[str, Any]:
    if not (SAMPLES / "handbook_qa.jsonl").is_file():
        return {"skipped": "bot/samples not found"}
    questions, paragraphs = _handbook()
    test = slabs("test")
    poisoned = _spliced(paragraphs, [text for text, label in zip(test.texts, test.labels, strict=True) if label])

    def rate(flags: list[bool]) -> str:
        return f"{sum(flags)}/{len(flags)}"

    return {
        "questions_flagged": {
            "ours": rate([ours(q, "input") for q in questions]),
            "forcefield": rate([peer(q) for q in questions]),
        },
        "clean_chunks_quarantined": {
            "ours": rate([ours(p, "chunk") for p in paragraphs]),
            "forcefield": rate([peer(p) for p in paragraphs]),
        },
        "poisoned_chunks_caught": {
            "ours": rate([ours(p, "chunk") for p in poisoned]),
            "forcefield": rate([peer(p) for p in poisoned]),
        },
    }


def run_moderation_bench() -> dict[str, Any]:
    """Injection P/R/F1 (ours at its default and F1-best thresholds, forcefield) and per-message latency."""
    model = NgramLogisticModel.load()
    layer = InjectionClassifier(model, LayerPolicy.on(["input", "chunk"], Action.BLOCK))
    chain = make_moderator(ModerationSettings(), injection_model=model)
    guard = forcefield.Guard(telemetry=False)
    test = slabs("test")
    scores = [layer.score(text) for text in test.texts]
    peer_flags = [guard.scan(text).blocked for text in test.texts]
    long_text = "The quarterly report is attached. " * 1200
    result: dict[str, Any] = {
        "split": f"S-Labs test, {len(test.texts)} texts, {sum(test.labels)} injections (held out)",
        "injection": {
            f"ours (default threshold {layer.threshold})": binary_metrics(
                test.labels, [s >= layer.threshold for s in scores]
            ).as_dict(),
            f"ours (F1-best threshold {model.threshold})": binary_metrics(
                test.labels, [s >= model.threshold for s in scores]
            ).as_dict(),
            "forcefield 0.8.0 (Guard.scan().blocked)": binary_metrics(test.labels, peer_flags).as_dict(),
        },
        "latency_per_message": {
            "ours: injection layer": _latency_ms(lambda t: layer.check(t, "input"), test.texts),
            "ours: whole chain (rules, toxicity, injection), input": _latency_ms(
                lambda t: chain.check(t, "input"), test.texts
            ),
            "forcefield: Guard.scan": _latency_ms(guard.scan, test.texts),
            "ours: whole chain, chunk surface (handbook paragraphs)": _latency_ms(
                lambda t: chain.check(t, "chunk"), _handbook()[1]
            )
            if SAMPLES.is_dir()
            else "skipped",
            "ours: whole chain, one 40,800-character message": _latency_ms(
                lambda t: chain.check(t, "input"), [long_text] * 5
            ),
        },
        "handbook": _handbook_rates(
            lambda text, surface: chain.check(text, surface).action is Action.BLOCK,
            lambda text: guard.scan(text).blocked,
        ),
    }
    return result


if __name__ == "__main__":
    print(json.dumps(run_moderation_bench(), indent=2))
