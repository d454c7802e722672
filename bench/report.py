"""Rendering: aligned Markdown tables for stdout, and the whole of ``docs/benchmarks.md``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from bench.findings import findings
from bench.governance import SECTION as GOVERNANCE_SECTION
from bench.keyfacts import __doc__ as KEYFACTS_DOC
from bench.results import RunResults, loads
from bench.retrieval import REPEATS
from bench.scale.link import SECTION as SCALE_SECTION
from bench.tables import Table, all_tables

TUNING_SECTION = """## Tuning the local model

Seconds per LoRA training step (SFT, DPO; 1 and 2 threads) and the evaluation gate's base-against-adapter
scores on held-out handbook questions: [benchmarks-tuning.md](benchmarks-tuning.md).
"""

INTRO = (
    "Steward's retrieval and answering, each measured against a peer in the same run: our HNSW search against "
    "an exact (brute-force) scan of the same SQL, and our answer agent (a few retrieved facts in a short "
    "prompt, a groundedness check, an extractive fallback and an abstention threshold) against the previous "
    "prompt that gave the model the top-4 whole passages. The data is the sample handbook in "
    "`bot/samples/handbook`, its questions with reference answers in `bot/samples/handbook_qa.jsonl` and the "
    "questions it cannot answer in `bot/samples/unanswerable.txt`."
)


def render_table(table: Table) -> str:
    """A Markdown table with padded columns, readable as plain text too."""
    widths = [max(len(row[i]) for row in [table.headers, *table.rows]) for i in range(len(table.headers))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(table.headers), rule, *(line(row) for row in table.rows)])


def tables_text(r: RunResults) -> str:
    """Every table with its title, for stdout."""
    return "\n\n".join(f"{t.title}\n\n{render_table(t)}" for t in all_tables(r))


def _machine(r: RunResults) -> list[str]:
    m = r.machine
    return [
        f"- Date: {m.date_utc}",
        f"- CPU: {m.cpu}, {m.cores} cores; torch threads: {m.torch_threads}",
        f"- Python {m.python}, torch {m.torch}, PostgreSQL {m.postgres} (embedded), pgvector {m.pgvector}",
        f"- Load average (1m / 5m / 15m): {loads(r.load_start)} at start, {loads(r.load_end)} at end",
        f"- Model: {r.model}",
        f"- Total runtime: {r.runtime_s:.0f} s; chat model load (untimed elsewhere): {r.model_load_s:.1f} s",
    ]


def _definitions() -> list[str]:
    keyfacts = "\n".join((KEYFACTS_DOC or "").strip().splitlines()[2:])
    return [
        "## How it is measured",
        "",
        "- **Retrieval**: each question is embedded once; every side gets the same vector and k=10, and each "
        f"query is timed {REPEATS} times (rotating which side goes first, after untimed warm-up queries). All "
        "sides call the production `ChunkSearch.search` (same SQL, same HNSW settings, same de-duplication); "
        "only the planner settings of its transaction differ. The exact peer runs with "
        "`SET LOCAL enable_indexscan = off` and `enable_bitmapscan = off`, so every chunk in scope is compared. "
        "Ours runs as PostgreSQL plans it (its two `SET LOCAL`s restate the defaults, so every side makes the "
        "same round trips). The diagnostic side sets `enable_sort = off`, which forces the HNSW index, so the "
        "index itself is measured even when the planner would skip it. The plan row shows how each side read "
        "`chunks` (its statements replayed under `EXPLAIN`, first question; `<partition>` is the tenant's "
        "partition of `chunks`). Recall@k and MRR are at file "
        "level: the ranked top-10 chunks are reduced to their distinct files and the expected file's rank is "
        "taken (MRR counts 0 when it is absent). Overlap@10 is the share of the exact top-10 chunk ids that a "
        "side also returned.",
        "- **Answers**: per question, one retrieval (top-4) feeds both sides. Ours is `agent.generate(...)`; the "
        "peer is the old whole-passages prompt invoked as `prompt | chat_model`, with no check and no fallback. "
        "Latency is the wall time of that call (our side includes fact selection and the check). Citations "
        "are mapped with `agents.agent.cite` on both sides (when no valid `[n]` is cited it falls back to the "
        'best passages above `min_score`). "Says it '
        'doesn\'t know" is an abstention, or text like "don\'t know" / "does not contain".',
        "",
        "### Key facts",
        "",
        keyfacts,
    ]


def write_answers(r: RunResults, path: Path) -> None:
    """Every answer of both sides (and the unanswerable ones) as JSON lines, for inspection."""
    groups = {"ours": r.ours, "peer": r.peer, "ours-unanswerable": r.unanswerable}
    lines = [json.dumps({"side": side, **asdict(a), "hit": a.hit}) for side, rows in groups.items() for a in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def markdown(r: RunResults, command: str, sections: Sequence[str] = ()) -> str:
    """The full ``docs/benchmarks.md``; ``sections`` (Markdown) follow the handbook's findings."""
    quick = " (quick mode: every 4th question)" if r.quick else ""
    parts = [
        "# Benchmarks",
        "",
        INTRO,
        "",
        f"Command: `{command}`{quick}. This file is written by that command; do not edit it by hand.",
        "",
        "## Machine",
        "",
        *_machine(r),
        "",
        "## Results",
        "",
    ]
    for table in all_tables(r):
        parts += [f"### {table.title}", "", render_table(table), ""]
    parts += [
        "## What this shows",
        "",
        *(p + "\n" for p in findings(r)),
        *sections,
        *_definitions(),
        "",
        SCALE_SECTION,
        "",
        GOVERNANCE_SECTION,
    ]
    return "\n".join(parts)
