"""Tenant isolation is enforced by PostgreSQL row-level security, not only by our WHERE clauses."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from agents.retrieval.store import Scope
from bot.container import Steward


@pytest.fixture(scope="module")
def two_tenants(steward: Steward, tmp_path_factory: pytest.TempPathFactory) -> Steward:
    for tenant, secret in (("tenant-a", "The A vault code is 1111."), ("tenant-b", "The B vault code is 2222.")):
        folder = tmp_path_factory.mktemp(tenant)
        (folder / "vault.md").write_text(f"# Vault\n\n## Code\n{secret}\n")
        assert steward.ingestor.ingest([folder], tenant, "secrets").added
    return steward


def test_queries_without_a_tenant_filter_see_only_their_tenant(two_tenants: Steward) -> None:
    for tenant, other in (("tenant-a", "tenant-b"), ("tenant-b", "tenant-a")):
        with two_tenants.database.tenant_connection(tenant) as conn:
            chunk_tenants = {r[0] for r in conn.execute(text("select tenant_id from chunks")).all()}
            doc_tenants = {r[0] for r in conn.execute(text("select tenant_id from documents")).all()}
            contents = " ".join(r[0] for r in conn.execute(text("select content from chunks")).all())
        assert chunk_tenants == {tenant} and doc_tenants == {tenant}
        assert ("2222" in contents) == (tenant == "tenant-b") and other not in chunk_tenants


def test_without_a_tenant_the_application_role_sees_nothing(two_tenants: Steward) -> None:
    with two_tenants.database.engine.begin() as conn:
        assert conn.execute(text("select count(*) from chunks")).scalar_one() > 0  # the owner bypasses RLS
        conn.execute(text("set local role steward_app"))
        assert conn.execute(text("select count(*) from chunks")).scalar_one() == 0
        assert conn.execute(text("select count(*) from documents")).scalar_one() == 0


def test_writing_another_tenants_rows_is_refused(two_tenants: Steward) -> None:
    with (
        pytest.raises(ProgrammingError, match="row-level security"),
        two_tenants.database.tenant_connection("tenant-a") as conn,
    ):
        conn.execute(
            text(
                "insert into documents (id, tenant_id, collection, source, title, content_hash, size_bytes,"
                " chunk_count, created_at, updated_at) values (gen_random_uuid(), 'tenant-b', 'x', 'forged', 't', 'h',"
                " 1, 0, now(), now())"
            )
        )


def test_partitions_are_not_reachable_directly(two_tenants: Steward) -> None:
    with two_tenants.database.tenant_connection("tenant-a") as conn:
        partition = conn.execute(text("select steward_ensure_tenant('tenant-b')")).scalar_one()
    with (
        pytest.raises(ProgrammingError, match="permission denied"),
        two_tenants.database.tenant_connection("tenant-a") as conn,
    ):
        conn.execute(text(f"select count(*) from {partition}"))


def test_search_never_crosses_tenants(two_tenants: Steward) -> None:
    documents = two_tenants.agent.retrieve("what is the vault code?", Scope("tenant-a")).documents
    assert documents and all("1111" in d.page_content for d in documents)
    assert all(Path(d.metadata["source"]).name == "vault.md" for d in documents)
