"""Rendering the scale run: the tables for stdout, and the whole of ``docs/benchmarks-scale.md``."""

from __future__ import annotations

from bench.report import render_table
from bench.results import loads
from bench.scale import data, reads
from bench.scale.findings import findings, goals_table
from bench.scale.link import SCALE_COMMAND, SCALE_DOC
from bench.scale.results import ScaleResults
from bench.scale.tables import all_tables

INTRO = (
    "Steward's write and read paths at 10,000 and 100,000 chunks, each figure next to a peer measured in the "
    "same run, on a throw-away embedded PostgreSQL. The corpus is synthetic (seeded), except for the ingest "
    "measurements, which use the real handbook in `bot/samples/handbook` and the real embedding model."
)

_ALONE = f" (`{SCALE_COMMAND}` runs only this part)"


def tables_text(r: ScaleResults) -> str:
    """Every table with its title, for stdout."""
    return "\n\n".join(f"{t.title}\n\n{render_table(t)}" for t in all_tables(r, goals_table(r)))


def _machine(r: ScaleResults) -> list[str]:
    m = r.machine
    return [
        f"- Date: {m.date_utc}",
        f"- CPU: {m.cpu}, {m.cores} cores",
        f"- Python {m.python}, torch {m.torch}, PostgreSQL {m.postgres} (embedded, default settings), "
        f"pgvector {m.pgvector}",
        f"- Load average (1m / 5m / 15m): {loads(r.load_start)} at start, {loads(r.load_end)} at end",
        f"- Total runtime: {r.runtime_s:.0f} s",
    ]


def _method() -> list[str]:
    return [
        "## How it is measured",
        "",
        f"- **Corpus**: {data.TENANTS} tenants; each has {data.TOPICS} random unit centroids in {data.DIM} "
        f"dimensions, and a chunk is its topic's centroid plus Gaussian noise of norm {data.NOISE}, normalised "
        f"(seed {data.SEED}). Text: {data.CHUNK_WORDS} words a chunk from a {data.GENERAL_WORDS}-word general "
        f"vocabulary and {data.TOPIC_WORDS} words per topic ({data.TOPIC_SHARE:.0%} of the words). Documents "
        f"have {data.DOC_CHUNKS} chunks. 10k = the first document of every tenant; 100k = nine more each.",
        "- **Writes**: one call per document on each side, timed around the call. Ours is the production "
        "`replace_document` through `Database.tenant_connection` (as `steward_app`, RLS on). LangChain gets "
        "precomputed vectors (`add_embeddings`, nothing embedded), via a psycopg 3 URL to the same server, into "
        "an emptied table each time. The ratio uses the same rows on both sides: the first 25 documents "
        "(25 new tenants).",
        "- **Ingest phases**: the functions `Ingestor.ingest_raw` calls, in its order, timed between calls; the "
        "embedding model is loaded first. Thread counts embed the same per-file batches, passes alternating.",
        f"- **Reads**: {data.QUERIES} queries, tenants in turn, each drawn like a chunk around one of its "
        f"tenant's centroids, with 3 topic words + 2 general words as its text. After the load: `VACUUM ANALYZE`. "
        f"Every side is called once per query per pass ({reads.REPEATS} passes, rotating which side goes first, "
        f"after {reads.WARM_UP} untimed warm-up queries); the unfiltered side, slow at 100k, is timed on one "
        "pass only. Latency is the wall time of the call, transaction set-up included. Recall@10 is the mean "
        "share of the exact top-10 (the tenant's rows scanned with index and bitmap scans off, as the owner) "
        "that a side returned. Plans are each side's statement under `EXPLAIN` for the first query; ours are "
        "captured from the production call and replayed under RLS (`<partition>` is the tenant's partition).",
        "- **Peers' tables**, rebuilt from `chunks` after each load, as the owner: `chunks_flat` (`CREATE TABLE "
        "AS`, then one HNSW index, m=16, ef_construction=64, `maintenance_work_mem` 1 GB, and no other index) and "
        "the diagnostic `chunks_inline` (the same columns and per-tenant LIST partitions, the embedding column "
        "`SET STORAGE PLAIN` so it stays in the row, no indexes).",
    ]


def markdown(r: ScaleResults, command: str) -> str:
    """The full ``docs/benchmarks-scale.md``."""
    parts = [
        "# Benchmarks at scale",
        "",
        INTRO,
        "",
        f"Command: `{command}`{_ALONE if command != SCALE_COMMAND else ''}. This file is written by the benchmark; "
        "do not edit it by hand. The handbook benchmark is in [benchmarks.md](benchmarks.md).",
        "",
        "## Machine",
        "",
        *_machine(r),
        "",
        "## Results",
        "",
    ]
    for table in all_tables(r, goals_table(r)):
        parts += [f"### {table.title}", "", render_table(table), ""]
    parts += ["## What this shows", "", *(p + "\n" for p in findings(r)), *_method(), ""]
    return "\n".join(parts)


def write(r: ScaleResults, command: str) -> None:
    """Write ``docs/benchmarks-scale.md``."""
    SCALE_DOC.write_text(markdown(r, command), encoding="utf-8")
