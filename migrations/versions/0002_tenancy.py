"""Tenancy: the application role, row-level security, per-tenant partitions, collections and channel scopes.

The application connects as the migration owner but runs every tenant-scoped transaction as the
``steward_app`` role (``SET LOCAL ROLE``) with ``app.tenant_id`` set, so the policies below apply even
when a query forgets its tenant filter. Superusers and table owners bypass RLS; ``steward_app`` is
neither. Partitions are created by a SECURITY DEFINER function so the app role needs no DDL rights.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APP_ROLE = "steward_app"
TENANT_TABLES = ("documents", "chunks", "conversations", "answers", "collections", "channel_collections")
TS = sa.DateTime(timezone=True)
POLICY = "tenant_id = current_setting('app.tenant_id', true)"


def _create_role() -> None:
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN;
            END IF;
        END $$
        """
    )
    # The connecting (owner) role must be able to SET ROLE to the app role.
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
                EXECUTE format('GRANT {APP_ROLE} TO %I', current_user);
            END IF;
        END $$
        """
    )


def _create_tables() -> None:
    op.create_table(
        "collections",
        sa.Column("tenant_id", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("description", sa.String(), nullable=False, server_default=""),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "channel_collections",
        sa.Column("tenant_id", sa.String(), primary_key=True),
        sa.Column("platform", sa.String(), primary_key=True),
        sa.Column("channel_id", sa.String(), primary_key=True),
        sa.Column("collection", sa.String(), primary_key=True),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.ForeignKeyConstraint(
            ["tenant_id", "collection"], ["collections.tenant_id", "collections.name"], ondelete="CASCADE"
        ),
    )
    op.execute(
        "INSERT INTO collections (tenant_id, name) SELECT DISTINCT tenant_id, collection FROM documents"
        " ON CONFLICT DO NOTHING"
    )


def _ensure_tenant_function() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION steward_ensure_tenant(tenant text) RETURNS text
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            part text := 'chunks_t_' || substr(md5(tenant), 1, 16);
        BEGIN
            IF tenant IS NULL OR tenant = '' THEN
                RAISE EXCEPTION 'tenant must not be empty';
            END IF;
            IF to_regclass(part) IS NULL THEN
                PERFORM pg_advisory_xact_lock(hashtext(part));
                IF to_regclass(part) IS NULL THEN
                    EXECUTE format('CREATE TABLE %I PARTITION OF chunks FOR VALUES IN (%L)', part, tenant);
                END IF;
            END IF;
            RETURN part;
        END $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION steward_ensure_tenant(text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION steward_ensure_tenant(text) TO {APP_ROLE}")


def _policies() -> None:
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    for table in TENANT_TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} TO {APP_ROLE} USING ({POLICY}) WITH CHECK ({POLICY})")


def upgrade() -> None:
    _create_role()
    _create_tables()
    _ensure_tenant_function()
    _policies()
    # Move any rows that landed in the default partition into their tenant's own partition.
    op.execute(
        """
        DO $$ DECLARE t text; BEGIN
            FOR t IN SELECT DISTINCT tenant_id FROM chunks_default LOOP
                CREATE TEMP TABLE moving ON COMMIT DROP AS SELECT * FROM chunks_default WHERE tenant_id = t;
                DELETE FROM chunks_default WHERE tenant_id = t;
                PERFORM steward_ensure_tenant(t);
                INSERT INTO chunks (id, document_id, tenant_id, collection, chunk_index, heading_path, content,
                        content_hash, token_count, page, anchor, metadata, embedding)
                    SELECT id, document_id, tenant_id, collection, chunk_index, heading_path, content,
                        content_hash, token_count, page, anchor, metadata, embedding FROM moving;
                DROP TABLE moving;
            END LOOP;
        END $$
        """
    )


def downgrade() -> None:
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION IF EXISTS steward_ensure_tenant(text)")
    op.drop_table("channel_collections")
    op.drop_table("collections")
