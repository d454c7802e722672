"""Admin corrections, stored against the conversation (thread) they correct."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from bot.db.database import Database
from bot.pipeline.message import IncomingMessage
from bot.store.pseudonyms import thread_key

_INSERT = text(
    """
    INSERT INTO corrections (id, tenant_id, conversation_id, platform, user_id, text)
    SELECT :id, c.tenant_id, c.id, c.platform, :user, :text FROM conversations c
    WHERE c.platform = :platform AND c.tenant_id = :tenant AND c.channel_id = :channel AND c.thread_id = :thread
    RETURNING id, conversation_id
    """
)


class CorrectionStore:
    """Records an admin's corrected answer for the thread it was posted in."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def record(self, msg: IncomingMessage, corrected: str) -> tuple[uuid.UUID, uuid.UUID] | None:
        """Store ``corrected`` (already redacted): its id and its thread's, or None if Steward never answered there."""
        params = {
            "id": uuid.uuid4(),
            "tenant": msg.tenant,
            "platform": msg.platform,
            "user": msg.user,
            "channel": msg.channel,
            "thread": thread_key(msg),
            "text": corrected,
        }
        with self._database.tenant_connection(msg.tenant) as conn:
            row = conn.execute(_INSERT, params).first()
        return (row.id, row.conversation_id) if row is not None else None
