"""Top-k cosine search over the tenant's own HNSW index (one partition per tenant), within collections."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from agents.tenancy import TenantTx

_SELECT = """
    SELECT c.id, c.document_id, d.source, d.title, c.heading_path, c.content, c.chunk_index, c.page, c.anchor,
           c.content_hash, {score} AS score
    FROM chunks c JOIN documents d ON d.id = c.document_id
    WHERE c.tenant_id = :tenant AND (CAST(:collections AS text[]) IS NULL OR c.collection = ANY(:collections))
"""
_VECTOR = text(
    "SELECT * FROM ("  # noqa: S608 - only static fragments are formatted in
    + _SELECT.format(score="1 - (c.embedding <=> CAST(:q AS vector))")
    + " ORDER BY c.embedding <=> CAST(:q AS vector) LIMIT :k) hits ORDER BY score DESC"
)


@dataclass(frozen=True)
class Scope:
    """Whose knowledge a question may see: one tenant, and some of its collections (empty: all of them)."""

    tenant: str
    collections: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoredChunk:
    """A retrieved chunk with its similarity to the question, and where it points in its source."""

    chunk_id: uuid.UUID
    document_id: uuid.UUID
    source: str
    title: str
    heading_path: str
    content: str
    chunk_index: int
    score: float
    page: int | None = None
    anchor: str | None = None
    content_hash: str = ""

    @property
    def link(self) -> str:
        """The source with a fragment pointing at the exact place: ``#page=N`` or ``#anchor``."""
        if self.page is not None:
            return f"{self.source}#page={self.page}"
        return f"{self.source}#{self.anchor}" if self.anchor else self.source


def hit_from_row(row: Any) -> ScoredChunk:
    """Build a ``ScoredChunk`` from a row of the ``_SELECT`` shape."""
    return ScoredChunk(
        chunk_id=row.id,
        document_id=row.document_id,
        source=row.source,
        title=row.title,
        heading_path=row.heading_path,
        content=row.content,
        chunk_index=row.chunk_index,
        score=float(row.score),
        page=row.page,
        anchor=row.anchor,
        content_hash=row.content_hash,
    )


def vector_literal(vector: np.ndarray) -> str:
    """The text form of ``vector`` that pgvector parses."""
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


def scope_params(scope: Scope) -> dict[str, Any]:
    """Bind parameters shared by every scoped query."""
    return {"tenant": scope.tenant, "collections": list(scope.collections) or None}


def dedupe(hits: list[ScoredChunk], k: int) -> list[ScoredChunk]:
    """Keep the best hit per normalised content (the same paragraph in two documents shows once)."""
    seen: set[str] = set()
    kept = []
    for hit in hits:
        if hit.content_hash and hit.content_hash in seen:
            continue
        seen.add(hit.content_hash)
        kept.append(hit)
    return kept[:k]


def tune_hnsw(conn: Connection, ef_search: int) -> None:
    """Per-transaction HNSW settings: a wider beam, and iterative scans so filters still return k rows."""
    conn.execute(text("SELECT set_config('hnsw.ef_search', :ef, true)"), {"ef": str(ef_search)})
    conn.execute(text("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)"))


_SOURCES = text(
    """
    SELECT collection, title, source FROM documents
    WHERE tenant_id = :tenant AND (CAST(:collections AS text[]) IS NULL OR collection = ANY(:collections))
    ORDER BY collection, title LIMIT :limit
    """
)


class ChunkSearch:
    """Approximate nearest neighbours with pgvector's HNSW, in the tenant's partition, deduplicated."""

    def __init__(self, tx: TenantTx, ef_search: int) -> None:
        self._tx = tx
        self._ef_search = ef_search

    def search(self, vector: np.ndarray, scope: Scope, k: int) -> list[ScoredChunk]:
        """The ``k`` chunks nearest to ``vector`` within ``scope``, best first."""
        with self._tx(scope.tenant) as conn:
            tune_hnsw(conn, self._ef_search)
            rows = conn.execute(_VECTOR, {"q": vector_literal(vector), "k": 2 * k, **scope_params(scope)}).all()
        return dedupe([hit_from_row(r) for r in rows], k)

    def sources(self, scope: Scope, limit: int = 200) -> list[tuple[str, str, str]]:
        """(collection, title, source) of the documents in ``scope``, for the agent's ``list_sources`` tool."""
        with self._tx(scope.tenant) as conn:
            rows = conn.execute(_SOURCES, {"limit": limit, **scope_params(scope)}).all()
        return [(r.collection, r.title, r.source) for r in rows]
