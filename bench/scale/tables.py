"""The scale run's tables: every figure next to its peer, with the ratio."""

from __future__ import annotations

from bench.results import ms, num, pct, times
from bench.scale.data import DOC_CHUNKS, TENANTS
from bench.scale.ingest import PASSES, THREADS
from bench.scale.reads import EXACT, FLAT, FORCED, HYBRID, INLINE, OURS, UNFILTERED
from bench.scale.results import ScaleResults, StageFigures
from bench.stats import ratio
from bench.tables import Table

WRITERS = {
    "ours_subset": "Ours: `replace_document` (RLS; staged binary COPY + INSERT ... SELECT into the tenant's "
    "partition, its HNSW, GIN and b-tree indexes maintained)",
    "langchain": "LangChain `PGVector.add_embeddings`, as shipped (no vector index)",
    "langchain_hnsw": "LangChain `PGVector.add_embeddings` + an HNSW index on its table (same m, ef_construction)",
    "transport": "Diagnostic: our staged COPY + INSERT ... SELECT into a table with no index, tsvector or RLS",
}
READ_SIDES = {
    OURS: "Ours: `ChunkSearch.search` under RLS (the tenant's partition)",
    FORCED: "Diagnostic: ours forced onto the partition's HNSW (`enable_sort = off`)",
    FLAT: "Peer design: one flat table + one HNSW, `WHERE tenant_id`, `iterative_scan = relaxed_order`",
    EXACT: "Exact scan of the tenant's rows (owner, index scans off)",
    INLINE: "Diagnostic: the exact scan over a copy with embeddings in the row (`SET STORAGE PLAIN`)",
    UNFILTERED: "Unfiltered top-10 over all chunks (owner)",
}


def write_table(r: ScaleResults) -> Table:
    """Rows per second of our writer and its peers on the same rows."""
    w = r.writes
    ours = w.ours_subset.rate
    rows = [
        [label, f"{getattr(w, key).rate:,.0f}", times(ratio(ours, getattr(w, key).rate))]
        for key, label in WRITERS.items()
    ]
    docs = w.ours_subset.rows // DOC_CHUNKS
    title = f"Write path: the same {w.ours_subset.rows:,} rows ({docs} documents of {DOC_CHUNKS} chunks, one call each)"
    return Table(title, ["Writer", "rows/s", "ours / it"], rows)


def load_table(r: ScaleResults) -> Table:
    """Our writer over the whole load, stage by stage, against LangChain as shipped."""
    rows, before = [], 0
    for size, timed in r.writes.stages.items():
        per_tenant = f"{before // TENANTS:,} -> {size // TENANTS:,} rows per partition"
        rows.append(
            [f"{before:,} -> {size:,} chunks ({per_tenant})", f"{timed.rows:,}", num(timed.seconds, 1),
             f"{timed.rate:,.0f}", times(ratio(timed.rate, r.writes.langchain.rate))]
        )  # fmt: skip
        before = size
    headers = ["Load stage", "rows", "seconds", "rows/s", "ours / LangChain as shipped"]
    return Table("Our writer while loading the corpus, one document (200 chunks) per transaction", headers, rows)


def ingest_table(r: ScaleResults) -> Table:
    """Where a real ingest of the handbook spends its wall time."""
    i = r.ingest
    rows = [[phase, num(s, 2), pct(ratio(s, i.wall_s))] for phase, s in i.seconds.items()]
    rows.append(["wall time, all phases", num(i.wall_s, 2), "100.0%"])
    title = f"Real ingest of bot/samples/handbook ({i.files} files, {i.chunks} chunks; model loaded beforehand)"
    return Table(title, ["Phase", "seconds", "share of wall time"], rows)


def threads_table(r: ScaleResults) -> Table:
    """Embedding throughput of the same texts with 1 and 2 torch threads."""
    i, base = r.ingest, r.ingest.embed_by_threads[THREADS[0]]
    rows = [
        [str(n), num(s, 2), num(i.chunks * PASSES / s, 1), times(ratio(base, s))] for n, s in i.embed_by_threads.items()
    ]
    headers = ["torch threads", f"seconds ({PASSES} passes)", "chunks/s", "speed vs 1 thread"]
    return Table("Embedding the handbook's chunks (per-file batches, as ingest does)", headers, rows)


def read_table(stage: StageFigures, queries: int) -> Table:
    """Latency and recall of every side at one corpus size, with ours' p95 over each side's."""
    rows = []
    for side, label in READ_SIDES.items():
        plan = stage.plans[side]
        recall = "n/a (other tenants)" if side == UNFILTERED else num(stage.recall[side], 3)
        nodes = plan.nodes + (" (HNSW)" if plan.uses_hnsw else " (no HNSW)")
        p95 = stage.p(side, 95)
        rows.append([label, ms(stage.p(side, 50)), ms(p95), recall, times(ratio(stage.p(OURS, 95), p95)), nodes])
    title = (
        f"Read path at {stage.size:,} chunks ({stage.size // TENANTS:,} per tenant, {TENANTS} tenants): "
        f"top-10, {queries} queries"
    )
    headers = ["Side", "p50", "p95", "recall@10 vs exact", "ours p95 / its p95", "plan: how chunks are read"]
    return Table(title, headers, rows)


def hybrid_table(r: ScaleResults) -> Table:
    """Hybrid candidates against our vector-only search, at each size."""
    rows = []
    for s in r.stages:
        plan = s.plans[HYBRID]
        rows.append(
            [f"{s.size:,}", ms(s.p(HYBRID, 50)), ms(s.p(HYBRID, 95)), ms(s.p(OURS, 50)), ms(s.p(OURS, 95)),
             times(ratio(s.p(HYBRID, 95), s.p(OURS, 95))), plan.nodes + (" (HNSW)" if plan.uses_hnsw else "")]
        )  # fmt: skip
    headers = ["Chunks", "hybrid p50", "hybrid p95", "vector-only p50", "vector-only p95", "hybrid / vector p95"]
    return Table("Hybrid search (`HybridSearch.candidates`) against vector-only", [*headers, "hybrid plan"], rows)


def storage_table(r: ScaleResults) -> Table:
    """How the tenant partitions store a chunk, and the flat peer's index build."""
    rows = [
        [f"{s.size:,}", s.storage.embedding_storage, pct(s.storage.vectors_out_of_line),
         f"{s.storage.heap_bytes:,.0f}", f"{s.storage.toast_bytes:,.0f}", num(s.flat_build_s, 1)]
        for s in r.stages
    ]  # fmt: skip
    headers = ["Chunks", "embedding storage", "vectors in TOAST", "heap bytes/chunk", "TOAST bytes/chunk",
               "flat HNSW build s"]  # fmt: skip
    return Table("Storage of the tenant partitions, and the flat peer's one-off index build", headers, rows)


def all_tables(r: ScaleResults, goals: Table) -> list[Table]:
    """Every table in reading order, the goals first."""
    reads = [read_table(s, r.queries) for s in r.stages]
    return [goals, write_table(r), load_table(r), ingest_table(r), threads_table(r), *reads, hybrid_table(r),
            storage_table(r)]  # fmt: skip
