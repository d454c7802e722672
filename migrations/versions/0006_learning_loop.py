"""Learning loop: what each answer was built from, regenerations, datasets, tuning runs, adapter history, canary.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APP_ROLE = "steward_app"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("answers", sa.Column("retrieved", pg.JSONB(), nullable=False, server_default="[]"))
    op.add_column("answers", sa.Column("regenerated_from", pg.UUID(as_uuid=True), nullable=True))
    op.add_column("adapters", sa.Column("canary_percent", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "adapter_activations",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("base_model", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),  # NULL: the plain base model
        sa.Column("at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "datasets",
        sa.Column("version", sa.String(), primary_key=True),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("datasheet", pg.JSONB(), nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "tuning_runs",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("dataset_version", sa.String(), nullable=False),
        sa.Column("adapter", sa.String(), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("hyperparameters", pg.JSONB(), nullable=False),
        sa.Column("metrics", pg.JSONB(), nullable=False, server_default="{}"),
        sa.Column("started_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", TS, nullable=True),
    )


def downgrade() -> None:
    for table in ("tuning_runs", "datasets", "adapter_activations"):
        op.drop_table(table)
    op.drop_column("adapters", "canary_percent")
    op.drop_column("answers", "regenerated_from")
    op.drop_column("answers", "retrieved")
