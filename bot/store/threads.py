"""Which threads Steward takes part in: a follow-up there is answered without a mention."""

from __future__ import annotations

from sqlalchemy import text

from bot.db.database import Database

_KNOWN = text(
    "SELECT 1 FROM conversations WHERE platform = :platform AND tenant_id = :tenant"
    " AND channel_id = :channel AND thread_id = :thread LIMIT 1"
)


class ThreadIndex:
    """Looks up threads Steward has answered in (the conversations table)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def known(self, platform: str, tenant: str, channel: str, thread: str) -> bool:
        """True when Steward has answered in this thread before."""
        params = {"platform": platform, "tenant": tenant, "channel": channel, "thread": thread}
        with self._database.tenant_connection(tenant) as conn:
            return conn.execute(_KNOWN, params).first() is not None
