"""Outcomes per adapter (for canaries): answers, feedback ratio, and how often the answer fell back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from bot.db.database import Database

_OUTCOMES = text(
    """
    SELECT coalesce(a.adapter, '(base)') AS adapter, count(*) AS answers,
           count(f.id) FILTER (WHERE f.rating = 1) AS up, count(f.id) FILTER (WHERE f.rating = -1) AS down,
           count(*) FILTER (WHERE a.mode <> 'generated' OR position('escalated' in coalesce(a.route_reason, '')) > 0)
               AS fallbacks
    FROM answers a LEFT JOIN feedback f ON f.answer_id = a.id
    WHERE a.created_at >= :since AND split_part(a.model, ':', 1) = 'local'
    GROUP BY 1 ORDER BY 1
    """
)


@dataclass(frozen=True)
class AdapterOutcome:
    """How one adapter's answers went."""

    adapter: str
    answers: int
    up: int
    down: int
    fallbacks: int

    @property
    def feedback_ratio(self) -> float | None:
        """Share of 👍 among votes, or None without votes."""
        votes = self.up + self.down
        return self.up / votes if votes else None

    @property
    def fallback_rate(self) -> float:
        """Share of answers that were quoted instead, or escalated to another model."""
        return self.fallbacks / self.answers if self.answers else 0.0


def adapter_outcomes(database: Database, since: datetime) -> list[AdapterOutcome]:
    """Per adapter of the local model, across tenants (operator view)."""
    with database.engine.begin() as conn:
        rows = conn.execute(_OUTCOMES, {"since": since}).all()
    return [AdapterOutcome(r.adapter, r.answers, r.up, r.down, r.fallbacks) for r in rows]
