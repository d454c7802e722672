"""Governance: the append-only audit chain, actor pseudonyms, rate-limit buckets, feedback, PII state.

- ``audit_events`` is hash-chained per tenant (``seq``, ``prev_hash``, ``hash``). A trigger refuses
  UPDATE and DELETE for everyone; the app role is only granted SELECT and INSERT. Tampering therefore
  needs the owner to disable the trigger, and ``steward audit verify`` detects what it did.
- Audit events name actors by a random pseudonym. ``audit_actors`` links a pseudonym to the platform
  user; forgetting a user deletes that link (and their messages), so the chain never changes and the
  user's events can no longer be tied to them.
- ``rate_buckets``: token buckets shared by every process.
- ``feedback``: thumbs up/down on answers (the learning loop builds preference data from it).
- ``conversations.pii_state``: keyed hashes of a thread's PII values and their placeholders (never the
  values), so pseudonyms stay consistent; ``pii_vault``: the optional encrypted reverse mapping.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APP_ROLE = "steward_app"
TS = sa.DateTime(timezone=True)
POLICY = "tenant_id = current_setting('app.tenant_id', true)"


def _audit() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False, server_default=""),
        sa.Column("payload", pg.JSONB(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("tenant_id", "seq", name="uq_audit_events_seq"),
    )
    op.create_index("ix_audit_events_tenant_at", "audit_events", ["tenant_id", "at"])
    op.execute(
        """
        CREATE FUNCTION steward_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION steward_audit_append_only()"
    )
    op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
               "FOR EACH STATEMENT EXECUTE FUNCTION steward_audit_append_only()")
    op.create_table(
        "audit_actors",
        sa.Column("tenant_id", sa.String(), primary_key=True),
        sa.Column("pseudonym", sa.String(), primary_key=True),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("tenant_id", "platform", "user_id", name="uq_audit_actors_user"),
    )


def _tables() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "feedback",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", sa.String(), nullable=False, index=True),
        sa.Column("answer_id", pg.UUID(as_uuid=True), sa.ForeignKey("answers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.String(), nullable=False, server_default=""),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("rating IN (-1, 1)", name="ck_feedback_rating"),
        sa.UniqueConstraint("answer_id", "platform", "user_id", name="uq_feedback_vote"),
    )
    op.add_column("conversations", sa.Column("pii_state", pg.JSONB(), nullable=False, server_default="{}"))
    op.add_column("conversations", sa.Column("pii_vault", sa.LargeBinary(), nullable=True))
    op.create_index("ix_answers_tenant_user", "answers", ["tenant_id", "user_id"])
    op.create_index("ix_answers_created", "answers", ["created_at"])


def _grants() -> None:
    op.execute(f"GRANT SELECT, INSERT ON audit_events TO {APP_ROLE}")
    for table in ("audit_actors", "rate_buckets", "feedback"):
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
    for table in ("audit_events", "audit_actors", "rate_buckets", "feedback"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} TO {APP_ROLE} USING ({POLICY}) WITH CHECK ({POLICY})")


def upgrade() -> None:
    _audit()
    _tables()
    _grants()


def downgrade() -> None:
    op.drop_column("conversations", "pii_vault")
    op.drop_column("conversations", "pii_state")
    op.drop_index("ix_answers_created", "answers")
    op.drop_index("ix_answers_tenant_user", "answers")
    for table in ("feedback", "rate_buckets", "audit_actors", "audit_events"):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS steward_audit_append_only()")
