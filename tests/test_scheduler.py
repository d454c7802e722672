"""Scheduled jobs: one runner at a time across processes (advisory lock per job), and the configured jobs."""

from __future__ import annotations

import threading

from bot.container import Steward
from bot.scheduler import Job, LeaderRunner, make_scheduler


def test_only_one_process_runs_a_job_at_a_time(steward: Steward) -> None:
    started, release, ran = threading.Event(), threading.Event(), []

    def slow() -> str:
        started.set()
        release.wait(30)
        ran.append("slow")
        return "done"

    job = Job("test-leader", slow, "interval", {"minutes": 60})
    first = threading.Thread(target=LeaderRunner(steward.database), args=[job])
    first.start()
    assert started.wait(30)
    other = LeaderRunner(steward.database)  # its own connection: a separate session, like another process
    assert other(job) is False  # skipped: the lock is held elsewhere
    release.set()
    first.join(30)
    assert ran == ["slow"]
    assert other(Job("test-leader", lambda: "again", "interval", {"minutes": 60})) is True  # free again
    assert other(Job("test-failing", lambda: 1 / 0, "interval", {"minutes": 60})) is True  # logged, not raised


def test_the_configured_jobs_are_scheduled(steward: Steward) -> None:
    names = [job.name for job in steward.jobs()]
    assert names == ["retention", "ledger-prune", "preference-dataset", "reindex"]
    scheduler = make_scheduler(steward.jobs(), LeaderRunner(steward.database))
    assert sorted(j.id for j in scheduler.get_jobs()) == sorted(names)
