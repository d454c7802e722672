"""Collections: named knowledge scopes per tenant, and which collections each chat channel may search."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from agents.tenancy import AdminTx, TenantTx

_LIST = """
    SELECT c.tenant_id, c.name, count(DISTINCT d.id) AS documents, coalesce(sum(d.chunk_count), 0) AS chunks,
           max(d.updated_at) AS updated_at
    FROM collections c LEFT JOIN documents d ON d.tenant_id = c.tenant_id AND d.collection = c.name
    {where} GROUP BY c.tenant_id, c.name ORDER BY c.tenant_id, c.name
"""


_DOCUMENTS = """
    SELECT collection, title, source FROM documents
    WHERE tenant_id = :t AND (CAST(:collections AS text[]) IS NULL OR collection = ANY(:collections))
    ORDER BY collection, title LIMIT :limit
"""


@dataclass(frozen=True)
class CollectionInfo:
    """One collection and what is in it."""

    tenant: str
    name: str
    documents: int
    chunks: int
    updated_at: datetime | None


class Collections:
    """Lists collections and maps channels to them."""

    def __init__(self, tx: TenantTx, admin: AdminTx) -> None:
        self._tx = tx
        self._admin = admin

    def list(self, tenant: str | None = None) -> list[CollectionInfo]:
        """Every collection of ``tenant`` (or of every tenant, as the operator) with document counts."""
        if tenant is None:
            with self._admin() as conn:
                rows = conn.execute(text(_LIST.format(where=""))).all()
        else:
            with self._tx(tenant) as conn:
                rows = conn.execute(text(_LIST.format(where="WHERE c.tenant_id = :t")), {"t": tenant}).all()
        return [CollectionInfo(r.tenant_id, r.name, int(r.documents), int(r.chunks), r.updated_at) for r in rows]

    def channel_scope(self, tenant: str, platform: str, channel: str) -> tuple[str, ...]:
        """Collections mapped to a channel; empty when it has no mapping (then every collection is in scope)."""
        with self._tx(tenant) as conn:
            rows = conn.execute(
                text(
                    "SELECT collection FROM channel_collections WHERE platform = :p AND channel_id = :c"
                    " ORDER BY collection"
                ),
                {"p": platform, "c": channel},
            ).all()
        return tuple(r[0] for r in rows)

    def map_channel(self, tenant: str, platform: str, channel: str, collection: str) -> None:
        """Let ``channel`` search ``collection`` (which must exist)."""
        with self._tx(tenant) as conn:
            exists = conn.execute(text("SELECT 1 FROM collections WHERE name = :n"), {"n": collection}).first()
            if exists is None:
                raise KeyError(f"tenant {tenant!r} has no collection {collection!r}")
            conn.execute(
                text(
                    "INSERT INTO channel_collections (tenant_id, platform, channel_id, collection)"
                    " VALUES (:t, :p, :c, :n) ON CONFLICT DO NOTHING"
                ),
                {"t": tenant, "p": platform, "c": channel, "n": collection},
            )

    def unmap_channel(self, tenant: str, platform: str, channel: str, collection: str) -> bool:
        """Remove one mapping; True when it existed."""
        with self._tx(tenant) as conn:
            result = conn.execute(
                text("DELETE FROM channel_collections WHERE platform = :p AND channel_id = :c AND collection = :n"),
                {"p": platform, "c": channel, "n": collection},
            )
        return bool(result.rowcount)

    def documents(
        self, tenant: str, collections: tuple[str, ...], limit: int = 50
    ) -> builtins.list[tuple[str, str, str]]:
        """(collection, title, source) of the documents in ``collections`` (empty: all of the tenant's)."""
        with self._tx(tenant) as conn:
            rows = conn.execute(
                text(_DOCUMENTS), {"t": tenant, "collections": list(collections) or None, "limit": limit}
            ).all()
        return [(r.collection, r.title, r.source) for r in rows]
