"""What the web admin page shows: daily answer figures, the retrieval-eval trend, and audit search.

Everything is read inside the tenant's own row-level-security scope, except ``retrieval_evals`` (an
operator table without a tenant policy), which is filtered by tenant explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text

from bot.db.database import Database

# Fallback: the answer was not generated as planned (quoted, abstained, or escalated to another model),
# as in bot/store/outcomes.py.
_DAILY = text(
    """
    WITH a AS (
        SELECT date_trunc('day', created_at, 'UTC') AS day, count(*) AS answers,
               count(*) FILTER (WHERE mode <> 'generated' OR position('escalated' in coalesce(route_reason, '')) > 0)
                   AS fallbacks,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY (latency_ms->>'total')::float) AS p95_ms
        FROM answers WHERE created_at >= :since GROUP BY 1),
    f AS (
        SELECT date_trunc('day', created_at, 'UTC') AS day,
               count(*) FILTER (WHERE rating = 1) AS up, count(*) FILTER (WHERE rating = -1) AS down
        FROM feedback WHERE created_at >= :since GROUP BY 1),
    m AS (
        SELECT date_trunc('day', at, 'UTC') AS day, count(*) AS flags
        FROM audit_events WHERE kind = 'moderation_flag' AND at >= :since GROUP BY 1)
    SELECT day, coalesce(a.answers, 0) AS answers, coalesce(a.fallbacks, 0) AS fallbacks, a.p95_ms,
           coalesce(f.up, 0) AS up, coalesce(f.down, 0) AS down, coalesce(m.flags, 0) AS flags
    FROM a FULL JOIN f USING (day) FULL JOIN m USING (day) ORDER BY day
    """
)
_EVALS = text(
    "SELECT created_at, metrics, passed FROM retrieval_evals WHERE tenant_id = :t ORDER BY created_at DESC LIMIT :n"
)
_SEARCH = text(
    """
    SELECT seq, at, kind, actor, channel, payload FROM audit_events
    WHERE (CAST(:kind AS text) IS NULL OR kind = :kind)
      AND (CAST(:actor AS text) IS NULL OR actor = :actor)
      AND (CAST(:since AS timestamptz) IS NULL OR at >= :since)
      AND (CAST(:until AS timestamptz) IS NULL OR at < :until)
    ORDER BY seq DESC LIMIT :limit
    """
)


@dataclass(frozen=True)
class Day:
    """One UTC day's figures."""

    day: datetime
    answers: int
    fallbacks: int
    p95_ms: float | None
    up: int
    down: int
    flags: int


@dataclass(frozen=True)
class EvalRun:
    """One stored retrieval evaluation: recall@k by k (as text), and whether it passed its gate."""

    at: datetime
    recall: dict[str, float]
    passed: bool


@dataclass(frozen=True)
class AuditQuery:
    """Audit search filters (all optional)."""

    kind: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200


def daily(database: Database, tenant: str, since: datetime) -> list[Day]:
    """Per UTC day since ``since``: answers, fallbacks, p95 latency, votes, moderation flags."""
    with database.tenant_connection(tenant) as conn:
        return [Day(*row) for row in conn.execute(_DAILY, {"since": since}).all()]


def _recall(metrics: dict[str, Any]) -> dict[str, float]:
    found = metrics.get("recall")
    if not isinstance(found, dict):
        return {}
    return {str(k): float(v) for k, v in found.items() if isinstance(v, int | float)}


def eval_trend(database: Database, tenant: str, runs: int = 365) -> list[EvalRun]:
    """The tenant's latest ``runs`` retrieval evaluations, oldest first."""
    with database.engine.begin() as conn:
        rows = conn.execute(_EVALS, {"t": tenant, "n": runs}).all()
    return [EvalRun(r.created_at, _recall(dict(r.metrics)), bool(r.passed)) for r in reversed(rows)]


def search_audit(database: Database, tenant: str, query: AuditQuery) -> list[dict[str, Any]]:
    """The tenant's audit events matching ``query``, newest first."""
    params = {"kind": query.kind, "actor": query.actor, "since": query.since, "until": query.until}
    with database.tenant_connection(tenant) as conn:
        rows = conn.execute(_SEARCH, {**params, "limit": query.limit}).all()
    return [dict(r._mapping) for r in rows]
