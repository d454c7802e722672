"""Looking up a recorded answer (for "regenerate")."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from bot.db.database import Database


def question_of(database: Database, tenant: str, answer_id: str) -> str | None:
    """The (redacted) question an answer replied to, or None when there is no such answer in ``tenant``."""
    try:
        key = uuid.UUID(answer_id)
    except ValueError:
        return None
    with database.tenant_connection(tenant) as conn:
        return conn.execute(text("SELECT question FROM answers WHERE id = :i"), {"i": key}).scalar()
