"""Conversation memory: a thread's earlier exchanges, newest kept first, bounded by a token budget."""

from __future__ import annotations

from sqlalchemy import text

from bot.db.database import Database

CHARS_PER_TOKEN = 4
_HISTORY = text(
    """
    SELECT a.question, a.answer FROM answers a JOIN conversations c ON c.id = a.conversation_id
    WHERE c.platform = :platform AND c.channel_id = :channel AND c.thread_id = :thread AND NOT a.abstained
    ORDER BY a.created_at DESC LIMIT 50
    """
)


def thread_history(
    database: Database, tenant: str, platform: str, channel: str, thread: str, max_tokens: int
) -> list[tuple[str, str]]:
    """``(question, answer)`` pairs of the thread, oldest first, at most ``max_tokens`` (approximately)."""
    with database.tenant_connection(tenant) as conn:
        rows = conn.execute(_HISTORY, {"platform": platform, "channel": channel, "thread": thread}).all()
    kept: list[tuple[str, str]] = []
    budget = max_tokens * CHARS_PER_TOKEN
    for question, answer in rows:
        budget -= len(question) + len(answer)
        if budget < 0:
            break
        kept.append((question, answer))
    return list(reversed(kept))
