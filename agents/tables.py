"""Knowledge tables: one row per source document and one per embedded chunk (partitioned by tenant)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Column, DateTime, ForeignKey, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

EMBEDDING_DIM = 384


def _now() -> datetime:
    return datetime.now(UTC)


class Document(SQLModel, table=True):
    """A source document (a file today, a URL later) as last ingested."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("tenant_id", "collection", "source", name="uq_documents_source"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tenant_id: str = Field(index=True)
    collection: str
    source: str = Field(description="Origin: a path or URL.")
    title: str
    content_hash: str
    etag: str | None = None
    mtime: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    size_bytes: int
    chunk_count: int
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))


class Chunk(SQLModel, table=True):
    """One embedded passage of a document, with where it came from for citations."""

    __tablename__ = "chunks"
    # The real DDL (partitions, generated full-text column) is in migrations/versions/0001_initial.py.
    __table_args__ = (
        Index(
            "ix_chunks_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
        {"postgresql_partition_by": "LIST (tenant_id)"},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    document_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    tenant_id: str = Field(primary_key=True)
    collection: str
    chunk_index: int
    heading_path: str
    content: str
    content_hash: str
    token_count: int
    page: int | None = None
    anchor: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column("metadata", JSONB, nullable=False))
    embedding: Any = Field(sa_column=Column(Vector(EMBEDDING_DIM), nullable=False))


class QuarantinedText(SQLModel, table=True):
    """A span of a chunk that ingest-time screening held back (an injected instruction), until released.

    ``start`` is its offset in the chunk's text as chunked, so a release puts it back where it was.
    ``sentence`` is kept as the document had it, like chunk content (lists show it PII-redacted).
    """

    __tablename__ = "quarantined_text"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tenant_id: str = Field(index=True)
    collection: str
    document_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    source: str
    chunk_index: int
    heading_path: str = ""
    page: int | None = None
    anchor: str | None = None
    start: int
    sentence: str
    sentence_hash: str
    category: str
    layer: str
    score: float
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
    released_by: str | None = None
    released_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
