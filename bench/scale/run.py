"""The scale run: a throw-away Steward for the real handbook ingest, another for the synthetic corpus.

Both live in one temporary directory; each embedded server stops when its Steward closes and the directory
is removed at the end, whatever happens in between.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench import harness, machine
from bench.scale import docs, link, peers, plans, reads
from bench.scale.data import DOCS_PER_TENANT, TENANTS, Corpus, Doc
from bench.scale.ingest import IngestPhases, embed_threads, ingest_phases
from bench.scale.reads import EXACT, FLAT, FORCED, INLINE, OURS, Queries
from bench.scale.results import Plan, ScaleResults, StageFigures, WriteFigures
from bench.scale.writes import count_peer_rows, total, write_langchain, write_ours, write_transport
from bot.container import Steward

SUBSET_DOCS = 25  # the rows every writer gets: 25 documents of 200 chunks
STAGES = {10_000: range(0, 1), 100_000: range(1, DOCS_PER_TENANT)}  # size reached -> documents per tenant


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _vacuum_analyze(steward: Steward) -> None:
    with steward.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def measure_ingest(data_dir: Path) -> IngestPhases:
    """The real handbook ingest, phase by phase, and the embedding thread comparison."""
    with Steward.open(harness.bench_settings(data_dir)) as steward:
        _say("ingest: the handbook, phase by phase...")
        phases, batches = ingest_phases(steward)
        _say("ingest: embedding with 1 and 2 torch threads...")
        phases.embed_by_threads = embed_threads(steward, batches)
    return phases


def _docs(corpus: Corpus, documents: range) -> list[Doc]:
    return [corpus.document(t, d) for d in documents for t in range(TENANTS)]


def measure_stage(steward: Steward, size: int, queries: Queries) -> StageFigures:
    """The read path at the current corpus size: plans, latencies and recall of every side."""
    db, retrieval = steward.database, steward.settings.retrieval
    _vacuum_analyze(steward)
    _say(f"reads at {size:,}: building the peers' tables...")
    flat_s = peers.build_flat(db.engine)
    peers.build_inline(db.engine)
    hnsw = plans.hnsw_indexes(db.engine)
    raw = plans.ours_plans(db.tenant_connection, retrieval, queries)
    raw |= plans.owner_plans(db.engine, retrieval.ef_search, queries)
    _say(f"reads at {size:,}: {len(queries.tenants)} queries, every side...")
    found = reads.our_sides(db.tenant_connection, retrieval, queries)
    found |= reads.peer_sides(db.engine, retrieval.ef_search, queries)
    runs = reads.run_sides(found, len(queries.tenants))
    recall = {side: reads.recall(runs[side].ids, runs[EXACT].ids) for side in (OURS, FORCED, FLAT, EXACT, INLINE)}
    chosen = {side: Plan(plans.scan_nodes(lines), plans.uses_index(lines, hnsw)) for side, lines in raw.items()}
    return StageFigures(size, runs, chosen, recall, flat_s, plans.storage(db.engine))


def measure_synthetic(steward: Steward, corpus: Corpus) -> tuple[WriteFigures, list[StageFigures]]:
    """Load the corpus stage by stage with our writer (peers on the first rows), measuring reads after each."""
    tx, engine = steward.database.tenant_connection, steward.database.engine
    queries = Queries(*corpus.queries)
    stages, loads, peer, stored = [], {}, {}, 0
    for size, documents in STAGES.items():
        batch = _docs(corpus, documents)
        _say(f"writes: our writer, {len(batch) * len(batch[0].drafts):,} rows...")
        timings = write_ours(tx, batch)
        loads[size] = total(timings)
        if not peer:
            subset = batch[:SUBSET_DOCS]
            peer["ours_subset"] = total(timings[:SUBSET_DOCS])
            _say("writes: the peers on the same rows...")
            peer["transport"] = write_transport(engine, subset)
            url = engine.url.render_as_string(hide_password=False)
            peer["langchain"] = write_langchain(url, steward.embedder, subset, hnsw=False)
            peer["langchain_hnsw"] = write_langchain(url, steward.embedder, subset, hnsw=True)
            stored = count_peer_rows(engine)
        stages.append(measure_stage(steward, size, queries))
    return WriteFigures(**peer, peer_rows_stored=stored, stages=loads), stages


def main(command: str = link.SCALE_COMMAND, write: bool = True) -> int:
    """Run the scale benchmark, print the tables and (unless told not to) write the docs, naming ``command``."""
    started, date, load_start = time.perf_counter(), machine.date_utc(), machine.load_average()
    _say("generating the synthetic corpus...")
    corpus = Corpus()
    with tempfile.TemporaryDirectory(prefix="steward-scale-", ignore_cleanup_errors=True) as tmp:
        ingest = measure_ingest(Path(tmp) / "handbook")
        with Steward.open(harness.bench_settings(Path(tmp) / "synthetic")) as steward:
            writes, stages = measure_synthetic(steward, corpus)
            facts = machine.describe(steward.database.engine, date)
    results = ScaleResults(
        machine=facts,
        ingest=ingest,
        writes=writes,
        stages=stages,
        queries=len(corpus.queries[0]),
        load_start=load_start,
        load_end=machine.load_average(),
        runtime_s=time.perf_counter() - started,
    )
    print(docs.tables_text(results))
    if write:
        docs.write(results, command)
        link.ensure_section()
        _say(f"wrote {link.SCALE_DOC} (linked from {link.DOC_FILE.name})")
    return 0
