"""Scheduled work (APScheduler): re-indexing, retention, the nightly preference dataset, ledger cleanup.

Every process of ``steward serve`` runs the scheduler, but each run of a job first takes a PostgreSQL
advisory lock named after the job (``pg_try_advisory_lock``): exactly one process runs it, the others
skip that run. The lock is released when the job ends (or its connection dies).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from bot.db.database import Database
from bot.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Job:
    """A named piece of work and when it runs (APScheduler trigger name and arguments)."""

    name: str
    run: Callable[[], Any]
    trigger: str
    trigger_args: dict[str, Any]


def lock_key(name: str) -> int:
    """The advisory-lock key for a job (stable across processes and restarts)."""
    return zlib.crc32(f"steward-job:{name}".encode())


class LeaderRunner:
    """Runs a job only in the process that holds its advisory lock."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def __call__(self, job: Job) -> bool:
        """Run ``job`` if no other process is running it; returns whether it ran here."""
        with self._database.engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(job.name)}).scalar():
                log.info("job.skipped", job=job.name, reason="running in another process")
                return False
            try:
                log.info("job.started", job=job.name)
                result = job.run()
                log.info("job.finished", job=job.name, result=str(result)[:200])
                return True
            except Exception as exc:  # noqa: BLE001 - a failed run is logged; the next one is scheduled anyway
                log.error("job.failed", job=job.name, error=f"{type(exc).__name__}: {exc}"[:300])
                return True
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(job.name)})
                conn.commit()


def make_scheduler(jobs: list[Job], runner: LeaderRunner) -> Any:
    """An AsyncIOScheduler with each job wrapped in the leader lock (started by ``steward serve``)."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(timezone="UTC")
    for job in jobs:
        scheduler.add_job(
            runner, job.trigger, args=[job], id=job.name, coalesce=True, max_instances=1, **job.trigger_args
        )
    return scheduler
