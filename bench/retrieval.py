"""Retrieval: our search (``ChunkSearch``, as PostgreSQL plans it) against an exact scan, in the same run.

All three sides run the production ``ChunkSearch.search``; they differ only in planner settings applied to
its transaction. The exact peer disables index scans, so every chunk in scope is compared. A diagnostic
side forces the HNSW index (``enable_sort = off``), because on a small corpus the planner may prefer a
scan for our search too, and the index itself would then go unmeasured.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, event, text

from agents.retrieval.store import ChunkSearch, ScoredChunk
from agents.tenancy import TenantTx
from bench.dataset import QA, SCOPE
from bench.stats import elapsed_ms

K = 10
REPEATS = 3
WARM_UP = 3
OURS, EXACT, FORCED = "ours", "exact", "forced"
# Two statements per side, so every side makes the same number of round trips; ours restates the defaults.
PLANNER_SETTINGS = {
    OURS: ("SET LOCAL enable_indexscan = on", "SET LOCAL enable_bitmapscan = on"),
    EXACT: ("SET LOCAL enable_indexscan = off", "SET LOCAL enable_bitmapscan = off"),
    FORCED: ("SET LOCAL enable_sort = off", "SET LOCAL enable_bitmapscan = on"),
}
Statement = tuple[str, Any]


@dataclass
class SideResult:
    """One side's hits (first repeat), every timed call's latency, and how its plan reads ``chunks``."""

    hits: list[list[ScoredChunk]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    plan: str = ""
    uses_hnsw: bool = False


def planner_tx(tx: TenantTx, settings: tuple[str, ...], log: list[Statement] | None = None) -> TenantTx:
    """``tx`` with ``settings`` run first in each transaction; what runs afterwards is appended to ``log``."""

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if log is not None:
            log.append((statement, parameters))

    @contextmanager
    def scoped(tenant: str) -> Iterator[Connection]:
        with tx(tenant) as conn:
            for setting in settings:
                conn.execute(text(setting))
            event.listen(conn, "before_cursor_execute", record)
            try:
                yield conn
            finally:
                event.remove(conn, "before_cursor_execute", record)

    return scoped


def searchers(tx: TenantTx, ef_search: int) -> dict[str, ChunkSearch]:
    """Ours, the exact scan and the forced-HNSW diagnostic: one ``ChunkSearch`` each."""
    return {name: ChunkSearch(planner_tx(tx, settings), ef_search) for name, settings in PLANNER_SETTINGS.items()}


def _chunk_scan(lines: list[str]) -> str:
    scans = [line.strip().removeprefix("->").strip().split("  (")[0] for line in lines if "Scan" in line]
    on_chunks = [s for s in scans if "chunks" in s]
    best = ([s for s in on_chunks if "Index" in s] or on_chunks or ["?"])[0]
    return best.split(" on ")[0] if " using " in best else best


def short_plan(plan: str) -> str:
    """``plan`` with the tenant's partition name shortened to ``<partition>``."""
    return re.sub(r"\bchunks_t_[0-9a-f]{16}", "<partition>", plan)


def query_plan(tx: TenantTx, ef_search: int, side: str, vector: np.ndarray) -> str:
    """How PostgreSQL reads ``chunks`` for one side's search: its statements replayed with ``EXPLAIN``."""
    log: list[Statement] = []
    ChunkSearch(planner_tx(tx, PLANNER_SETTINGS[side], log), ef_search).search(vector, SCOPE, K)
    with planner_tx(tx, PLANNER_SETTINGS[side])(SCOPE.tenant) as conn:
        for statement, parameters in log:
            explain = "<=>" in statement
            rows = conn.exec_driver_sql(("EXPLAIN " if explain else "") + statement, parameters).all()
            if explain:
                return _chunk_scan([str(r[0]) for r in rows])
    return "?"


def plan_uses_hnsw(tx: TenantTx, plan: str) -> bool:
    """True when ``plan`` names an index built with the HNSW access method."""
    with tx(SCOPE.tenant) as conn:
        names = conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexdef ILIKE '%USING hnsw%'")).scalars()
        return any(f" {name} " in f" {plan} " for name in names)


def run_retrieval(sides: dict[str, ChunkSearch], vectors: np.ndarray) -> dict[str, SideResult]:
    """Every side ``REPEATS`` times per question, rotating which goes first; warm-up calls are untimed."""
    results = {name: SideResult() for name in sides}
    names = list(sides)
    for vector in vectors[:WARM_UP]:
        for search in sides.values():
            search.search(vector, SCOPE, K)
    for repeat in range(REPEATS):
        for i, vector in enumerate(vectors):
            shift = (i + repeat) % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.perf_counter()
                hits = sides[name].search(vector, SCOPE, K)
                results[name].latencies_ms.append(elapsed_ms(start))
                if repeat == 0:
                    results[name].hits.append(hits)
    return results


def document_ranks(hits: list[list[ScoredChunk]], qas: list[QA]) -> list[int | None]:
    """Per question, the 1-based rank of the expected file among the distinct files hit (None if absent)."""
    ranks: list[int | None] = []
    for chunk_hits, qa in zip(hits, qas, strict=True):
        files = list(dict.fromkeys(Path(h.source).name for h in chunk_hits))
        ranks.append(files.index(qa.expected_source) + 1 if qa.expected_source in files else None)
    return ranks


def recall_at(ranks: list[int | None], k: int) -> float:
    """Share of questions whose expected file is among the first ``k`` distinct files."""
    return sum(r is not None and r <= k for r in ranks) / len(ranks)


def mrr(ranks: list[int | None]) -> float:
    """Mean reciprocal rank of the expected file (0 when it is not in the top-10 chunks)."""
    return sum(1 / r for r in ranks if r is not None) / len(ranks)


def overlap_at(ours: list[list[ScoredChunk]], exact: list[list[ScoredChunk]], k: int = K) -> float:
    """Mean share of the exact top-``k`` chunk ids that the other side's top-``k`` also returned."""
    shares = []
    for a, b in zip(ours, exact, strict=True):
        truth = {h.chunk_id for h in b[:k]}
        shares.append(len({h.chunk_id for h in a[:k]} & truth) / len(truth) if truth else 1.0)
    return sum(shares) / len(shares)
