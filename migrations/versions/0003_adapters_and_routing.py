"""Adapter registry, and what produced each answer: adapter, route, tokens, time to first token, cost.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adapters",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("base_model", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("metrics", pg.JSONB(), nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    # At most one active adapter per base model.
    op.create_index("uq_adapters_active", "adapters", ["base_model"], unique=True, postgresql_where=sa.text("active"))
    op.add_column("answers", sa.Column("adapter", sa.String(), nullable=True))
    op.add_column("answers", sa.Column("route_reason", sa.String(), nullable=True))
    op.add_column("answers", sa.Column("tokens_in", sa.Integer(), nullable=True))
    op.add_column("answers", sa.Column("tokens_out", sa.Integer(), nullable=True))
    op.add_column("answers", sa.Column("ttft_ms", sa.Float(), nullable=True))
    op.add_column("answers", sa.Column("cost_usd", sa.Float(), nullable=True))
    op.create_index("ix_answers_tenant_created", "answers", ["tenant_id", "created_at"])
    op.execute("GRANT SELECT ON adapters TO steward_app")


def downgrade() -> None:
    op.drop_index("ix_answers_tenant_created", "answers")
    for column in ("cost_usd", "ttft_ms", "tokens_out", "tokens_in", "route_reason", "adapter"):
        op.drop_column("answers", column)
    op.drop_table("adapters")
