"""Read path: tenant-filtered top-10 under RLS (ours) against the exact scan, an unfiltered search and a flat table.

Ours is the production ``ChunkSearch.search`` (and ``HybridSearch.candidates``) through
``Database.tenant_connection``: as ``steward_app``, so RLS applies and the tenant's own partition is read.
The peers run as the owner with the same SELECT shape (the same join, top ``2k`` then re-sorted) and the same
per-transaction HNSW settings (``ef_search``, ``iterative_scan = relaxed_order``):

- exact: the tenant's rows with index and bitmap scans disabled, so every row is compared (the recall truth);
- unfiltered: no tenant filter, the top-10 over all chunks;
- flat: the alternative design, one unpartitioned table ``chunks_flat`` with one HNSW index over every
  tenant's rows and a ``WHERE tenant_id`` filter, which the iterative scan keeps returning k rows for;
- inline (diagnostic): the exact scan again, over a copy of ``chunks`` partitioned the same way but with the
  embedding stored in the row (``SET STORAGE PLAIN``) instead of in TOAST.

The peers' tables are built by ``bench.scale.peers``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine, text

from agents.config import RetrievalSettings
from agents.retrieval.hybrid import HybridSearch
from agents.retrieval.store import ChunkSearch, Scope, tune_hnsw, vector_literal
from agents.tenancy import TenantTx
from bench.retrieval import PLANNER_SETTINGS, planner_tx
from bench.stats import elapsed_ms

K = 10
REPEATS = 2
WARM_UP = 5
OURS, FORCED, HYBRID, EXACT, UNFILTERED, FLAT = "ours", "forced", "hybrid", "exact", "unfiltered", "flat"
INLINE = "inline"
ONCE = {UNFILTERED}  # slow at 100k (it scans every partition): timed on one pass of the queries only
_SQL = """
    SELECT * FROM (
        SELECT c.id, c.document_id, d.source, d.title, c.heading_path, c.content, c.chunk_index, c.page, c.anchor,
               c.content_hash, 1 - (c.embedding <=> CAST(:q AS vector)) AS score
        FROM {table} c JOIN documents d ON d.id = c.document_id
        WHERE {where}
        ORDER BY c.embedding <=> CAST(:q AS vector) LIMIT :k
    ) hits ORDER BY score DESC
"""
_DEFAULTS = ("SET LOCAL enable_indexscan = on", "SET LOCAL enable_bitmapscan = on")
_EXACT = ("SET LOCAL enable_indexscan = off", "SET LOCAL enable_bitmapscan = off")
OWNER_SIDES = {  # table, filter, planner settings
    EXACT: ("chunks", "c.tenant_id = :tenant", _EXACT),
    UNFILTERED: ("chunks", "TRUE", _DEFAULTS),
    FLAT: ("chunks_flat", "c.tenant_id = :tenant", _DEFAULTS),
    INLINE: ("chunks_inline", "c.tenant_id = :tenant", _EXACT),
}


@dataclass(frozen=True)
class Queries:
    """The query set: per query its tenant, vector and text."""

    tenants: list[str]
    vectors: np.ndarray
    texts: list[str]


@dataclass
class SideRun:
    """One side's returned ids (first repeat) and every timed call's latency."""

    ids: list[list[object]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)


Side = Callable[[int], list[object]]


def owner_statement(side: str) -> tuple[str, tuple[str, ...]]:
    """The SQL and planner settings of an owner-side peer."""
    table, where, settings = OWNER_SIDES[side]
    return _SQL.format(table=table, where=where), settings  # noqa: S608 - static fragments only


def owner_params(queries: Queries, i: int) -> dict[str, object]:
    """Bind parameters of query ``i`` for the owner-side SQL (top ``2k``, like ``ChunkSearch``)."""
    return {"q": vector_literal(queries.vectors[i]), "tenant": queries.tenants[i], "k": 2 * K}


def _owner_side(engine: Engine, ef_search: int, side: str, queries: Queries) -> Side:
    sql, settings = owner_statement(side)
    statement = text(sql)

    def run(i: int) -> list[object]:
        with engine.begin() as conn:
            tune_hnsw(conn, ef_search)
            for setting in settings:
                conn.execute(text(setting))
            return [row.id for row in conn.execute(statement, owner_params(queries, i))][:K]

    return run


def our_sides(tx: TenantTx, retrieval: RetrievalSettings, queries: Queries) -> dict[str, Side]:
    """Our vector and hybrid search as ``query index -> top ids``, built as the composition root builds them.

    The diagnostic ``forced`` side is our vector search with ``enable_sort = off``, which forces the
    partition's HNSW index: it measures the index even where the planner prefers to scan.
    """
    ef = retrieval.ef_search
    search = ChunkSearch(tx, ef)
    forced = ChunkSearch(planner_tx(tx, PLANNER_SETTINGS[FORCED]), ef)
    hybrid = HybridSearch(tx, ef, retrieval.candidates, retrieval.rrf_k, retrieval.fts_weight)

    def vector(i: int) -> list[object]:
        return [h.chunk_id for h in search.search(queries.vectors[i], Scope(queries.tenants[i]), K)]

    def forced_vector(i: int) -> list[object]:
        return [h.chunk_id for h in forced.search(queries.vectors[i], Scope(queries.tenants[i]), K)]

    def fused(i: int) -> list[object]:
        hits = hybrid.candidates(queries.vectors[i], queries.texts[i], Scope(queries.tenants[i]))[0]
        return [h.chunk_id for h in hits]

    return {OURS: vector, FORCED: forced_vector, HYBRID: fused}


def peer_sides(engine: Engine, ef_search: int, queries: Queries) -> dict[str, Side]:
    """The owner-side peers as ``query index -> top ids``."""
    return {name: _owner_side(engine, ef_search, name, queries) for name in OWNER_SIDES}


def run_sides(found: dict[str, Side], n: int) -> dict[str, SideRun]:
    """Every side ``REPEATS`` times per query, rotating which goes first; warm-up calls are untimed."""
    results = {name: SideRun() for name in found}
    names = list(found)
    for i in range(WARM_UP):
        for side in found.values():
            side(i)
    for repeat in range(REPEATS):
        for i in range(n):
            shift = (i + repeat) % len(names)
            for name in names[shift:] + names[:shift]:
                if repeat and name in ONCE:
                    continue
                start = time.perf_counter()
                ids = found[name](i)
                results[name].latencies_ms.append(elapsed_ms(start))
                if repeat == 0:
                    results[name].ids.append(ids)
    return results


def recall(ids: list[list[object]], truth: list[list[object]]) -> float:
    """Mean share of each exact top-``K`` that the side also returned in its top ``K``."""
    shares = [len(set(a[:K]) & set(b[:K])) / len(b[:K]) for a, b in zip(ids, truth, strict=True) if b]
    return float(np.mean(shares)) if shares else float("nan")
