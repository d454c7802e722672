"""The tables only the peers read, rebuilt from ``chunks`` after each load (as the owner).

- ``chunks_flat``: the alternative design, one unpartitioned table with one HNSW index and no other index.
- ``chunks_inline``: a diagnostic copy of ``chunks``, LIST-partitioned by tenant the same way, with the
  embedding stored in the row (``SET STORAGE PLAIN``) where ``chunks`` stores it in TOAST; no indexes.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, Engine, text

_FLAT_COLUMNS = "id, document_id, tenant_id, collection, chunk_index, heading_path, content, content_hash, page, anchor"
_FLAT = f"CREATE TABLE chunks_flat AS SELECT {_FLAT_COLUMNS}, CAST(embedding AS vector(384)) AS embedding FROM chunks"  # noqa: S608
_FLAT_HNSW = (
    "CREATE INDEX chunks_flat_embedding_hnsw ON chunks_flat USING hnsw (embedding vector_cosine_ops)"
    " WITH (m = 16, ef_construction = 64)"
)


def build_flat(engine: Engine) -> float:
    """(Re)build ``chunks_flat`` with its HNSW index; returns the index build seconds."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS chunks_flat"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        conn.execute(text(_FLAT))
        start = time.perf_counter()
        conn.execute(text(_FLAT_HNSW))
        seconds = time.perf_counter() - start
        conn.execute(text("ANALYZE chunks_flat"))
    return seconds


def _inline_partitions(conn: Connection) -> None:
    tenants = conn.execute(text("SELECT DISTINCT tenant_id FROM chunks ORDER BY 1")).scalars().all()
    for i, tenant in enumerate(tenants):
        conn.execute(text(f"CREATE TABLE chunks_inline_{i} PARTITION OF chunks_inline FOR VALUES IN ('{tenant}')"))  # noqa: S608


def build_inline(engine: Engine) -> None:
    """(Re)build ``chunks_inline``: the same rows and partitions, embeddings kept in the row."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS chunks_inline"))
        conn.execute(text("CREATE TABLE chunks_inline (LIKE chunks) PARTITION BY LIST (tenant_id)"))
        _inline_partitions(conn)
        conn.execute(text("ALTER TABLE chunks_inline ALTER COLUMN embedding SET STORAGE PLAIN"))
        conn.execute(text("INSERT INTO chunks_inline SELECT * FROM chunks"))
        conn.execute(text("ANALYZE chunks_inline"))
