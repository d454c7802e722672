"""Platform event ledger: each Slack event or Discord message is answered once, across retries and resumes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APP_ROLE = "steward_app"
POLICY = "tenant_id = current_setting('app.tenant_id', true)"


def upgrade() -> None:
    op.create_table(
        "platform_events",
        sa.Column("platform", sa.String(), primary_key=True),
        sa.Column("event_id", sa.String(), primary_key=True),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_platform_events_received", "platform_events", ["received_at"])
    op.execute(f"GRANT SELECT, INSERT, DELETE ON platform_events TO {APP_ROLE}")
    op.execute("ALTER TABLE platform_events ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON platform_events TO {APP_ROLE} USING ({POLICY}) WITH CHECK ({POLICY})")


def downgrade() -> None:
    op.drop_table("platform_events")
