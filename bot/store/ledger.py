"""The event ledger: a unique key per platform event, so retried or replayed deliveries are answered once."""

from __future__ import annotations

from sqlalchemy import text

from bot.db.database import Database

_CLAIM = text(
    """
    INSERT INTO platform_events (platform, event_id, tenant_id) VALUES (:platform, :event, :tenant)
    ON CONFLICT DO NOTHING RETURNING event_id
    """
)


class EventLedger:
    """``claim`` returns True exactly once per (platform, event id), across processes and restarts."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def claim(self, platform: str, tenant: str, event_id: str) -> bool:
        """Record the event; False when it was already recorded (a retry, a replay, a resumed gateway)."""
        with self._database.tenant_connection(tenant) as conn:
            return conn.execute(_CLAIM, {"platform": platform, "event": event_id, "tenant": tenant}).first() is not None

    def prune(self, days: int) -> int:
        """Forget event ids older than ``days`` (retries come within minutes; the scheduler runs this)."""
        with self._database.engine.begin() as conn:
            sql = text("DELETE FROM platform_events WHERE received_at < now() - make_interval(days => :d)")
            return int(conn.execute(sql, {"d": days}).rowcount or 0)
