"""Answers keep the facts the local prompt showed, so preference data rebuilds the exact prompt.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("answers", sa.Column("facts", pg.JSONB(), nullable=False, server_default="[]"))


def downgrade() -> None:
    op.drop_column("answers", "facts")
