"""Reading the chain back, in order, optionally filtered by tenant and time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from governance.audit.chain import ChainedEvent

_SELECT = """
    SELECT tenant_id, seq, at, kind, actor, channel, payload, prev_hash, hash FROM audit_events
    WHERE (CAST(:tenant AS text) IS NULL OR tenant_id = :tenant)
      AND (CAST(:since AS timestamptz) IS NULL OR at >= :since)
      AND (CAST(:until AS timestamptz) IS NULL OR at < :until)
    ORDER BY tenant_id, seq
"""


@dataclass(frozen=True)
class EventFilter:
    """Which events to read: one tenant or all, and a half-open time window."""

    tenant: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def read_events(conn: Connection, where: EventFilter, batch: int = 2000) -> Iterator[ChainedEvent]:
    """Events in chain order (tenant, seq), streamed in batches."""
    params = {"tenant": where.tenant, "since": where.since, "until": where.until}
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(text(_SELECT), params)
    for r in result:
        yield ChainedEvent(r.tenant_id, int(r.seq), r.at, r.kind, r.actor, r.channel, r.payload, r.prev_hash, r.hash)
