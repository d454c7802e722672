"""Retention: erase or delete data older than its configured number of days (run by the scheduler)."""

from __future__ import annotations

from sqlalchemy import text

from bot.db.database import Database
from governance.policy.config import RetentionSettings

ERASED = "[erased by retention policy]"
_RULES = (
    (
        "messages",
        "messages_days",
        "UPDATE answers SET question = :erased WHERE created_at < :cutoff AND question <> :erased",
    ),
    ("answers", "answers_days", "DELETE FROM answers WHERE created_at < :cutoff"),
    ("feedback", "feedback_days", "DELETE FROM feedback WHERE created_at < :cutoff"),
    (
        "conversations",
        "answers_days",
        "DELETE FROM conversations c WHERE updated_at < :cutoff"
        " AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.conversation_id = c.id)",
    ),
)


def purge(database: Database, settings: RetentionSettings) -> dict[str, int]:
    """Apply every retention rule with a non-zero number of days, across tenants; returns rows affected."""
    counts: dict[str, int] = {}
    with database.engine.begin() as conn:
        for kind, field, sql in _RULES:
            days = int(getattr(settings, field))
            if days <= 0:
                continue
            cutoff = conn.execute(text("SELECT now() - make_interval(days => :d)"), {"d": days}).scalar_one()
            counts[kind] = int(conn.execute(text(sql), {"cutoff": cutoff, "erased": ERASED}).rowcount or 0)
    return counts
