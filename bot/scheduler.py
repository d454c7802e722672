"""Scheduled work (APScheduler 3, jobs stored in PostgreSQL): re-indexing, retention, datasets, the nightly eval.

Only the elected leader (:mod:`bot.leader`) runs the scheduler. Its jobs live in the ``apscheduler_jobs``
table (APScheduler's ``SQLAlchemyJobStore`` creates and owns it), so a new leader picks up the next run
times where the old one left them, and a run missed during a failover is run late (``misfire_grace_time``).

**Jobs are stored by name, not by code.** APScheduler pickles a job's callable as a textual reference, and
our jobs are closures over this process's objects (the database, the ingestor...). So every stored job is
``bot.scheduler:dispatch`` with its name as the only argument, and :class:`DispatchExecutor`, which this
process builds with its own jobs, binds that reference to the job of that name when the run is submitted.
No module-level registry is needed: the lookup table is the executor's constructor argument, and
``dispatch`` itself refuses to run outside it.

Each run also takes a per-job advisory lock (``pg_try_advisory_lock``), so ``steward jobs run NAME`` never
overlaps the scheduled run of the same job, and is recorded in ``job_runs`` and in the metrics.
"""

from __future__ import annotations

import json
import os
import socket
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text

from bot.db.database import Database
from bot.logs import get_logger
from bot.metrics import Metrics

log = get_logger(__name__)
DISPATCH_REF = "bot.scheduler:dispatch"
MISFIRE_GRACE_S = 3600  # a run missed by up to an hour (a failover, a restart) still runs, once
_TRIGGERS: dict[str, type[BaseTrigger]] = {"cron": CronTrigger, "interval": IntervalTrigger}
_RECORD = text(
    "INSERT INTO job_runs (job, host, outcome, detail, started_at, finished_at)"
    " VALUES (:job, :host, :outcome, CAST(:detail AS jsonb), :started, :finished)"
)


@dataclass(frozen=True)
class Job:
    """A named piece of work and when it runs (APScheduler trigger name and arguments)."""

    name: str
    run: Callable[[], Any]
    trigger: str
    trigger_args: dict[str, Any]

    def make_trigger(self) -> BaseTrigger:
        """The APScheduler trigger (UTC)."""
        return _TRIGGERS[self.trigger](**self.trigger_args, timezone=UTC)


@dataclass(frozen=True)
class Skipped:
    """What a job returns when there was nothing to do; recorded as outcome ``skipped`` with the reason."""

    reason: str


@dataclass(frozen=True)
class JobRun:
    """How one run ended: ``ok``, ``error`` or ``skipped``, with details (JSON)."""

    job: str
    outcome: str
    detail: dict[str, Any] = field(default_factory=dict)


def lock_key(name: str) -> int:
    """The advisory-lock key for a job (stable across processes and restarts)."""
    return zlib.crc32(f"steward-job:{name}".encode())


def host_id() -> str:
    """Which process ran a job: ``hostname:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _detail(result: Any) -> dict[str, Any]:
    if isinstance(result, Skipped):
        return {"reason": result.reason}
    if isinstance(result, Mapping):
        return json.loads(json.dumps(dict(result), default=str))
    return {} if result is None else {"result": str(result)[:500]}


class JobRunner:
    """Runs a job unless another process is running it, and records the run (``job_runs``, metrics)."""

    def __init__(self, database: Database, metrics: Metrics) -> None:
        self._database = database
        self._metrics = metrics

    def __call__(self, job: Job) -> JobRun:
        """Run ``job`` now in this process (skipped while another process runs it)."""
        started = datetime.now(UTC)
        with self._database.engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(job.name)}).scalar():
                run = JobRun(job.name, "skipped", {"reason": "running in another process"})
            else:
                try:
                    run = self._run(job)
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(job.name)})
                    conn.commit()
        self._record(run, started)
        return run

    @staticmethod
    def _run(job: Job) -> JobRun:
        log.info("job.started", job=job.name)
        try:
            result = job.run()
        except Exception as exc:  # noqa: BLE001 - a failed run is recorded; the next one is scheduled anyway
            log.error("job.failed", job=job.name, error=f"{type(exc).__name__}: {exc}"[:300])
            return JobRun(job.name, "error", {"error": f"{type(exc).__name__}: {exc}"[:500]})
        outcome = "skipped" if isinstance(result, Skipped) else "ok"
        log.info("job.finished", job=job.name, outcome=outcome, result=str(result)[:200])
        return JobRun(job.name, outcome, _detail(result))

    def _record(self, run: JobRun, started: datetime) -> None:
        self._metrics.job_finished(run.job, run.outcome)
        row = {"job": run.job, "host": host_id(), "outcome": run.outcome, "detail": json.dumps(run.detail)}
        try:
            with self._database.engine.begin() as conn:
                conn.execute(_RECORD, {**row, "started": started, "finished": datetime.now(UTC)})
        except Exception as exc:  # noqa: BLE001 - the run happened; losing its record must not fail it
            log.error("job.unrecorded", job=run.job, error=f"{type(exc).__name__}: {exc}"[:300])


def dispatch(name: str) -> None:
    """The callable every stored job names (``bot.scheduler:dispatch``); :class:`DispatchExecutor` replaces it.

    Reached only if a job was submitted to some other executor: there is no process-wide registry to
    look ``name`` up in, by design.
    """
    raise RuntimeError(f"job {name!r} must run through the Steward scheduler's DispatchExecutor")


class DispatchExecutor(ThreadPoolExecutor):
    """Runs stored jobs by name, binding each to this process's job of that name."""

    def __init__(self, jobs: Mapping[str, Job], runner: JobRunner, max_workers: int = 2) -> None:
        super().__init__(max_workers)
        self._jobs = dict(jobs)
        self._runner = runner

    def run_named(self, name: str) -> str:
        """Run the job called ``name``; its outcome."""
        job = self._jobs.get(name)
        if job is None:
            log.warning("job.unknown", job=name)
            return "unknown"
        return self._runner(job).outcome

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        # ``job`` was just unpickled from the store; its stored reference (func_ref) stays ``dispatch``.
        job.func = self.run_named
        super()._do_submit_job(job, run_times)


class PersistentScheduler:
    """An ``AsyncIOScheduler`` over the PostgreSQL job store, started while this process leads.

    ``url`` is the database URL (APScheduler's store builds its own small engine from it, and disposes of
    it on shutdown, so the app's pool is never touched).
    """

    def __init__(self, jobs: list[Job], runner: JobRunner, url: str) -> None:
        self._jobs = {job.name: job for job in jobs}
        self._runner = runner
        self._url = url
        self._scheduler: Any = None

    @property
    def running(self) -> bool:
        """Whether the scheduler is started here."""
        return self._scheduler is not None

    def start(self) -> None:
        """Start (in the running event loop): bring the stored jobs in line with this configuration, resume."""
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        scheduler = AsyncIOScheduler(
            timezone=UTC,
            jobstores={"default": SQLAlchemyJobStore(url=self._url)},
            executors={"default": DispatchExecutor(self._jobs, self._runner)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S},
        )
        scheduler.start(paused=True)
        self._sync(scheduler)
        scheduler.resume()
        self._scheduler = scheduler
        log.info("scheduler.started", jobs=sorted(self._jobs))

    def _sync(self, scheduler: Any) -> None:
        """Remove stored jobs this configuration lacks; add new or changed ones; keep unchanged ones as stored.

        Keeping an unchanged job keeps its stored next run time, so a run due while no leader was up runs now.
        """
        for stored in scheduler.get_jobs():
            if stored.id not in self._jobs:
                scheduler.remove_job(stored.id)
        for job in self._jobs.values():
            trigger = job.make_trigger()
            stored = scheduler.get_job(job.name)
            if stored is None or str(stored.trigger) != str(trigger):
                scheduler.add_job(
                    DISPATCH_REF, trigger, args=[job.name], id=job.name, name=job.name, replace_existing=True
                )

    def stop(self) -> None:
        """Stop scheduling here (runs already started finish in their threads)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
            log.info("scheduler.stopped")
