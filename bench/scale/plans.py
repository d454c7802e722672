"""How each side reads the chunks (its search statement under ``EXPLAIN``) and how the chunks are stored.

Our sides' statements are captured while the production code runs (``bench.retrieval.planner_tx``) and
replayed in a fresh tenant transaction, so the plan is the one PostgreSQL makes under RLS for that tenant.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, text

from agents.config import RetrievalSettings
from agents.retrieval.store import tune_hnsw
from agents.tenancy import TenantTx
from bench.retrieval import Statement, planner_tx
from bench.scale import reads
from bench.scale.reads import OWNER_SIDES, Queries

_PARTITION = re.compile(r"\bchunks_t_[0-9a-f]{16}")
_ALIAS = re.compile(r"\b(c|d)_\d+\b")


def scan_nodes(lines: list[str]) -> str:
    """The plan's scans of chunks (and appends of partitions), partition names shortened, repeats counted."""
    nodes = []
    for line in lines:
        node = line.strip().removeprefix("->").strip().split("  (")[0]
        node = _ALIAS.sub(r"\1", _PARTITION.sub("<partition>", node))
        if node.endswith("Append") or ("Scan" in node and (" chunks" in node or "<partition>" in node)):
            nodes.append(node)
    counts = Counter(nodes)
    return "; ".join(f"{n} x {node}" if n > 1 else node for node, n in counts.items())


def hnsw_indexes(engine: Engine) -> set[str]:
    """Names of every index built with the HNSW access method."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexdef ILIKE '%USING hnsw%'"))
        return set(rows.scalars())


def uses_index(lines: list[str], names: set[str]) -> bool:
    """True when one of ``names`` appears as an index in the plan."""
    return any(f"using {name} " in f"{line} " for line in lines for name in names)


def _replay(tx: TenantTx, tenant: str, log: list[Statement]) -> list[str]:
    with tx(tenant) as conn:
        for statement, parameters in log:
            if "<=>" in statement:
                return [str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]
            conn.exec_driver_sql(statement, parameters)
    return []


def ours_plans(tx: TenantTx, retrieval: RetrievalSettings, queries: Queries) -> dict[str, list[str]]:
    """The plans of our sides for query 0, captured from the production calls and replayed."""
    plans = {}
    for name in (reads.OURS, reads.FORCED, reads.HYBRID):
        log: list[Statement] = []
        side = reads.our_sides(planner_tx(tx, (), log), retrieval, queries)[name]
        side(0)
        plans[name] = _replay(tx, queries.tenants[0], log)
    return plans


def owner_plans(engine: Engine, ef_search: int, queries: Queries) -> dict[str, list[str]]:
    """The plans of the owner-side peers for query 0, with their planner settings."""
    plans = {}
    for name in OWNER_SIDES:
        sql, settings = reads.owner_statement(name)
        with engine.begin() as conn:
            tune_hnsw(conn, ef_search)
            for setting in settings:
                conn.execute(text(setting))
            plans[name] = [str(r[0]) for r in conn.execute(text("EXPLAIN " + sql), reads.owner_params(queries, 0))]
    return plans


_STORAGE = {"p": "plain", "e": "external", "m": "main", "x": "extended"}
_PER_CHUNK = text(
    """
    SELECT sum(pg_relation_size(c.oid)) / sum(c.reltuples), sum(pg_relation_size(c.reltoastrelid)) / sum(c.reltuples)
    FROM pg_class c WHERE c.relname LIKE 'chunks_t_%' AND c.relkind = 'r' AND c.reltuples > 0
    """
)


@dataclass(frozen=True)
class Storage:
    """How the tenant partitions hold a chunk: the embedding column's storage mode, heap and TOAST bytes."""

    embedding_storage: str
    heap_bytes: float
    toast_bytes: float
    vectors_out_of_line: float  # share of embeddings stored in TOAST rather than in the row


def storage(engine: Engine) -> Storage:
    """Storage facts of the tenant partitions (after ``ANALYZE``, so ``reltuples`` is the row count)."""
    with engine.connect() as conn:
        mode = conn.execute(
            text("SELECT attstorage FROM pg_attribute WHERE attrelid = 'chunks'::regclass AND attname = 'embedding'")
        ).scalar_one()
        heap, toast = conn.execute(_PER_CHUNK).one()
        out = conn.execute(text("SELECT avg((pg_column_toast_chunk_id(embedding) IS NOT NULL)::int) FROM chunks"))
        share = float(out.scalar_one() or 0)
    return Storage(_STORAGE.get(str(mode), str(mode)), float(heap or 0), float(toast or 0), share)
