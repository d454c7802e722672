"""Initial schema: the vector extension, documents, tenant-partitioned chunks (HNSW + full text), conversations, answers.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "documents",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("collection", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("mtime", TS, nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("tenant_id", "collection", "source", name="uq_documents_source"),
    )
    op.create_index("ix_documents_tenant_id", "documents", ["tenant_id"])
    # Chunks are LIST-partitioned by tenant: each tenant gets its own partition (created on first ingest
    # by steward_ensure_tenant() in 0002) and so its own HNSW index, which keeps tenant-filtered search
    # exact-recall and fast instead of post-filtering one shared graph. See docs/architecture.md.
    # Embeddings are stored in the row (STORAGE MAIN), not TOASTed: a scan of a tenant's partition then
    # reads each vector with its row instead of one extra TOAST fetch per chunk (measured in
    # docs/benchmarks-scale.md).
    op.execute(
        """
        CREATE TABLE chunks (
            id uuid NOT NULL,
            document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            tenant_id text NOT NULL,
            collection text NOT NULL,
            chunk_index integer NOT NULL,
            heading_path text NOT NULL,
            content text NOT NULL,
            content_hash text NOT NULL,
            token_count integer NOT NULL,
            page integer,
            anchor text,
            metadata jsonb NOT NULL,
            embedding vector(384) STORAGE MAIN NOT NULL,
            search_tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', coalesce(metadata->>'title', '') || ' ' || heading_path), 'A')
                || setweight(to_tsvector('english', content), 'B')
            ) STORED,
            PRIMARY KEY (tenant_id, id)
        ) PARTITION BY LIST (tenant_id)
        """
    )
    op.execute("CREATE TABLE chunks_default PARTITION OF chunks DEFAULT")
    op.create_index("ix_chunks_document_id", "chunks", ["document_id"])
    op.create_index("ix_chunks_tenant_collection", "chunks", ["tenant_id", "collection"])
    op.create_index("ix_chunks_tenant_hash", "chunks", ["tenant_id", "content_hash"])
    op.create_index("ix_chunks_search_tsv", "chunks", ["search_tsv"], postgresql_using="gin")
    op.create_index(
        "ix_chunks_embedding_hnsw",
        "chunks",
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("thread_id", sa.String(), nullable=False),
        sa.Column("started_by", sa.String(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("platform", "tenant_id", "channel_id", "thread_id", name="uq_conversations_thread"),
    )
    op.create_index("ix_conversations_tenant_id", "conversations", ["tenant_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "conversation_id", sa.Uuid(), sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("request_id", sa.String(), nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("abstained", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("groundedness", sa.Float(), nullable=True),
        sa.Column("citations", pg.JSONB(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("latency_ms", pg.JSONB(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_answers_conversation_id", "answers", ["conversation_id"])
    op.create_index("ix_answers_tenant_id", "answers", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("answers")
    op.drop_table("conversations")
    op.drop_table("chunks")
    op.drop_table("documents")
