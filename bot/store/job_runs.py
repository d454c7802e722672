"""What ``steward jobs list`` shows: each job's last recorded run and its next run time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from bot.db.database import Database

_LAST = text(
    "SELECT DISTINCT ON (job) job, outcome, host, detail, started_at, finished_at FROM job_runs ORDER BY job, id DESC"
)


@dataclass(frozen=True)
class LastRun:
    """A job's most recent recorded run."""

    outcome: str
    host: str
    detail: dict[str, Any]
    finished_at: datetime | None


def last_runs(database: Database) -> dict[str, LastRun]:
    """The latest ``job_runs`` row of every job that has run."""
    with database.engine.connect() as conn:
        rows = conn.execute(_LAST).all()
    return {r.job: LastRun(r.outcome, r.host, dict(r.detail), r.finished_at) for r in rows}


def stored_next_runs(database: Database) -> dict[str, datetime | None]:
    """Next run times as the scheduler's job store holds them (none before a leader first started)."""
    with database.engine.connect() as conn:
        if conn.execute(text("SELECT to_regclass('apscheduler_jobs')")).scalar() is None:
            return {}
        rows = conn.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all()
    return {r.id: datetime.fromtimestamp(r.next_run_time, UTC) if r.next_run_time else None for r in rows}
