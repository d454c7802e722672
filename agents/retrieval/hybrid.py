"""Hybrid search: pgvector nearest neighbours and PostgreSQL full text, fused by reciprocal rank.

Both candidate lists come from the tenant's own partition in one statement. The full-text side ORs
the question's lexemes (``plainto_tsquery`` ANDs them, which matches almost nothing for a natural
question) and ranks with ``ts_rank_cd`` over a weighted title/heading + body vector. Every candidate
keeps its cosine similarity, so the abstention threshold means the same in both modes.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from agents.retrieval.store import Scope, ScoredChunk, dedupe, hit_from_row, scope_params, tune_hnsw, vector_literal
from agents.tenancy import TenantTx

_FILTER = "c.tenant_id = :tenant AND (CAST(:collections AS text[]) IS NULL OR c.collection = ANY(:collections))"
_HYBRID = text(
    f"""
    WITH q AS (
        SELECT CAST(:q AS vector) AS v,
               CAST(NULLIF(replace(CAST(plainto_tsquery('english', :text) AS text), '&', '|'), '') AS tsquery) AS ts
    ),
    vec AS (
        SELECT id, row_number() OVER (ORDER BY dist) AS rank, 1.0 AS w FROM (
            SELECT c.id, c.embedding <=> q.v AS dist FROM chunks c, q WHERE {_FILTER} ORDER BY dist LIMIT :n
        ) nearest
    ),
    fts AS (
        SELECT id, row_number() OVER (ORDER BY r DESC) AS rank, CAST(:fts_weight AS float8) AS w FROM (
            SELECT c.id, ts_rank_cd(c.search_tsv, q.ts) AS r FROM chunks c, q
            WHERE {_FILTER} AND q.ts IS NOT NULL AND c.search_tsv @@ q.ts ORDER BY r DESC LIMIT :n
        ) matched
    ),
    fused AS (
        SELECT id, sum(w / (:rrf_k + rank)) AS rrf FROM (SELECT * FROM vec UNION ALL SELECT * FROM fts) ranked
        GROUP BY id
    )
    SELECT c.id, c.document_id, d.source, d.title, c.heading_path, c.content, c.chunk_index, c.page, c.anchor,
           c.content_hash, 1 - (c.embedding <=> q.v) AS score, fused.rrf, c.embedding
    FROM fused JOIN chunks c ON c.id = fused.id AND c.tenant_id = :tenant
    JOIN documents d ON d.id = c.document_id, q
    ORDER BY fused.rrf DESC, score DESC
    LIMIT :n
    """  # noqa: S608 - only the static filter fragment is formatted in
)


class HybridSearch:
    """Vector + full-text candidates fused with RRF; returns hits and their embeddings (for MMR)."""

    def __init__(self, tx: TenantTx, ef_search: int, candidates: int, rrf_k: int, fts_weight: float) -> None:
        self._tx = tx
        self.fts_weight = fts_weight
        self._ef_search = ef_search
        self._candidates = candidates
        self._rrf_k = rrf_k

    def candidates(
        self, vector: np.ndarray, question: str, scope: Scope
    ) -> tuple[list[ScoredChunk], np.ndarray, np.ndarray]:
        """Fused candidates, best first, with one embedding row per hit and the fused score scaled to 0..1."""
        params = {
            "q": vector_literal(vector),
            "text": question,
            "n": self._candidates,
            "rrf_k": self._rrf_k,
            "fts_weight": self.fts_weight,
            **scope_params(scope),
        }
        with self._tx(scope.tenant) as conn:
            tune_hnsw(conn, self._ef_search)
            rows = conn.execute(_HYBRID, params).all()
        hits = dedupe([hit_from_row(r) for r in rows], len(rows))
        if not hits:
            return hits, np.zeros((0, vector.shape[0]), np.float32), np.zeros(0)
        by_id = {r.id: (np.asarray(r.embedding, dtype=np.float32), float(r.rrf)) for r in rows}
        vectors = np.stack([by_id[h.chunk_id][0] for h in hits])
        fused = np.array([by_id[h.chunk_id][1] for h in hits])
        return hits, vectors, fused / fused.max()
