"""Usage accounting: answers, tokens, latency and estimated cost per model, adapter and route (local/hosted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from bot.db.database import Database

_SUMMARY = text(
    """
    SELECT model, coalesce(adapter, '-') AS adapter, split_part(model, ':', 1) AS route, count(*) AS answers,
           coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out,
           avg(ttft_ms) AS ttft_ms,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY (latency_ms->>'total')::float) AS p50_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY (latency_ms->>'total')::float) AS p95_ms,
           coalesce(sum(cost_usd), 0) AS cost_usd
    FROM answers WHERE created_at >= :since GROUP BY 1, 2, 3 ORDER BY answers DESC
    """
)


@dataclass(frozen=True)
class UsageRow:
    """Totals for one (model, adapter, route)."""

    model: str
    adapter: str
    route: str
    answers: int
    tokens_in: int
    tokens_out: int
    ttft_ms: float | None
    p50_ms: float | None
    p95_ms: float | None
    cost_usd: float


def usage(database: Database, tenant: str, since: datetime) -> list[UsageRow]:
    """One tenant's usage since ``since`` (row-level security scopes it to the tenant)."""
    with database.tenant_connection(tenant) as conn:
        rows = conn.execute(_SUMMARY, {"since": since}).all()
    return [UsageRow(*row) for row in rows]
