"""Ingest-time screening: quarantined spans of chunks, listed and released by admins.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

APP_ROLE = "steward_app"
POLICY = "tenant_id = current_setting('app.tenant_id', true)"


def upgrade() -> None:
    op.create_table(
        "quarantined_text",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", sa.String(), nullable=False, index=True),
        sa.Column("collection", sa.String(), nullable=False),
        sa.Column(
            "document_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("chunk_index", sa.Integer(), nullable=False),
        sa.Column("heading_path", sa.String(), nullable=False, server_default=""),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("anchor", sa.String(), nullable=True),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("sentence", sa.String(), nullable=False),
        sa.Column("sentence_hash", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("layer", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("released_by", sa.String(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON quarantined_text TO {APP_ROLE}")
    op.execute("ALTER TABLE quarantined_text ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON quarantined_text TO {APP_ROLE} USING ({POLICY}) WITH CHECK ({POLICY})"
    )


def downgrade() -> None:
    op.drop_table("quarantined_text")
