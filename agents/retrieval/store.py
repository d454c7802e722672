"""Top-k cosine search over the HNSW index, scoped to a tenant and its collections."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine, text

_SEARCH = text(
    """
    SELECT id, document_id, source, title, heading_path, content, chunk_index, score FROM (
        SELECT c.id, c.document_id, d.source, d.title, c.heading_path, c.content, c.chunk_index,
               1 - (c.embedding <=> CAST(:q AS vector)) AS score
        FROM chunks c JOIN documents d ON d.id = c.document_id
        WHERE c.tenant_id = :tenant AND c.collection = ANY(:collections)
        ORDER BY c.embedding <=> CAST(:q AS vector)
        LIMIT :k
    ) hits ORDER BY score DESC
    """
)


@dataclass(frozen=True)
class Scope:
    """Whose knowledge a question may see: one tenant, some of its collections."""

    tenant: str
    collections: tuple[str, ...]


@dataclass(frozen=True)
class ScoredChunk:
    """A retrieved chunk with its cosine similarity to the question."""

    chunk_id: uuid.UUID
    document_id: uuid.UUID
    source: str
    title: str
    heading_path: str
    content: str
    chunk_index: int
    score: float


def _hit(row: Any) -> ScoredChunk:
    return ScoredChunk(
        chunk_id=row[0],
        document_id=row[1],
        source=row[2],
        title=row[3],
        heading_path=row[4],
        content=row[5],
        chunk_index=row[6],
        score=float(row[7]),
    )


def _vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


class ChunkSearch:
    """Approximate nearest neighbours with pgvector's HNSW; iterative scans keep filtered results at k."""

    def __init__(self, engine: Engine, ef_search: int) -> None:
        self._engine = engine
        self._ef_search = ef_search

    def search(self, vector: np.ndarray, scope: Scope, k: int) -> list[ScoredChunk]:
        """The ``k`` chunks nearest to ``vector`` within ``scope``, best first."""
        with self._engine.begin() as conn:
            conn.execute(text("SELECT set_config('hnsw.ef_search', :ef, true)"), {"ef": str(self._ef_search)})
            conn.execute(text("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)"))
            rows = conn.execute(
                _SEARCH,
                {
                    "q": _vector_literal(vector),
                    "tenant": scope.tenant,
                    "collections": list(scope.collections),
                    "k": k,
                },
            ).all()
        return [_hit(row) for row in rows]
