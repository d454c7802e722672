"""Reading feedback and corrections back as the learning loop's plain records (all text already redacted)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text

from agents.tuning.records import Correction, FeedbackRecord
from bot.db.database import Database

_FEEDBACK = text(
    """
    SELECT f.answer_id, c.platform || ':' || c.channel_id || ':' || c.thread_id AS thread_key, a.question,
           a.answer, f.rating, f.platform || ':' || f.user_id AS voter, f.created_at, a.model, a.adapter,
           a.retrieved, a.regenerated_from, a.facts
    FROM feedback f JOIN answers a ON a.id = f.answer_id JOIN conversations c ON c.id = a.conversation_id
    WHERE (CAST(:tenant AS text) IS NULL OR f.tenant_id = :tenant) AND f.created_at >= :since
    ORDER BY f.created_at
    """
)
_CORRECTIONS = text(
    """
    SELECT c.platform || ':' || c.channel_id || ':' || c.thread_id AS thread_key, q.question, co.text,
           co.created_at
    FROM corrections co JOIN conversations c ON c.id = co.conversation_id
    JOIN LATERAL (
        SELECT question FROM answers a WHERE a.conversation_id = c.id AND a.created_at <= co.created_at
        ORDER BY a.created_at DESC LIMIT 1
    ) q ON true
    WHERE (CAST(:tenant AS text) IS NULL OR co.tenant_id = :tenant) AND co.created_at >= :since
    ORDER BY co.created_at
    """
)


def _record(row: Any) -> FeedbackRecord:
    return FeedbackRecord(
        answer_id=str(row.answer_id),
        thread_key=row.thread_key,
        question=row.question,
        answer=row.answer,
        rating=int(row.rating),
        user=row.voter,
        created_at=row.created_at,
        model=row.model,
        adapter=row.adapter,
        chunk_ids=tuple(row.retrieved or ()),
        regenerated_from=str(row.regenerated_from) if row.regenerated_from else None,
        facts=tuple(row.facts or ()),
    )


def load_feedback(
    database: Database, since: datetime, tenant: str | None = None
) -> tuple[list[FeedbackRecord], list[Correction]]:
    """Every vote and admin correction since ``since`` (one tenant, or all as the operator)."""
    params = {"tenant": tenant, "since": since}
    with database.engine.begin() as conn:
        records = [_record(r) for r in conn.execute(_FEEDBACK, params)]
        corrections = [
            Correction(r.thread_key, r.question, r.text, r.created_at) for r in conn.execute(_CORRECTIONS, params)
        ]
    return records, corrections
