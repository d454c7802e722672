"""👍/👎 on answers: one vote per user per answer (a second click changes it), with an optional reason."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text

from bot.db.database import Database
from governance.audit.events import FeedbackGiven
from governance.audit.log import AuditLog

_VOTE = text(
    """
    INSERT INTO feedback (id, tenant_id, answer_id, platform, user_id, rating, comment)
    SELECT :id, :tenant, a.id, :platform, :user, :rating, :comment FROM answers a WHERE a.id = :answer
    ON CONFLICT ON CONSTRAINT uq_feedback_vote DO UPDATE
        SET rating = EXCLUDED.rating, comment = CASE WHEN EXCLUDED.comment = '' THEN feedback.comment
                                                     ELSE EXCLUDED.comment END,
            created_at = now()
    RETURNING id
    """
)


@dataclass(frozen=True)
class Vote:
    """One user's rating of one answer; ``comment`` is the optional reason (redacted before storing)."""

    tenant: str
    answer_id: str
    platform: str
    user: str
    rating: int
    comment: str = ""


class FeedbackStore:
    """Writes votes (and their audit events); the learning loop turns them into preference data."""

    def __init__(self, database: Database, audit: AuditLog, redact: Callable[[str], str]) -> None:
        self._database = database
        self._audit = audit
        self._redact = redact

    def record(self, vote: Vote) -> bool:
        """Store the vote; False when the answer does not exist (or belongs to another tenant)."""
        if vote.rating not in (-1, 1):
            raise ValueError("a rating is 1 (👍) or -1 (👎)")
        try:
            answer = uuid.UUID(vote.answer_id)
        except ValueError:
            return False
        comment = self._clean(vote.comment)
        params = {
            "id": uuid.uuid4(),
            "tenant": vote.tenant,
            "answer": answer,
            "platform": vote.platform,
            "user": vote.user,
            "rating": vote.rating,
            "comment": comment,
        }
        with self._database.tenant_connection(vote.tenant) as conn:
            if conn.execute(_VOTE, params).first() is None:
                return False
            event = FeedbackGiven(
                tenant=vote.tenant, actor=f"{vote.platform}:{vote.user}", answer_id=str(answer), rating=vote.rating
            )
            self._audit.append(conn, event)
        return True

    def _clean(self, comment: str) -> str:
        text_ = comment.strip()[:2000]
        return self._redact(text_) if text_ else text_
