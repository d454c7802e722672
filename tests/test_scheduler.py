"""The scheduler: one leader among replicas (advisory lock) with failover, jobs stored in PostgreSQL by name,
one runner per job run, and every run recorded in ``job_runs``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy import text

from bot.container import Steward
from bot.leader import LeaderElection, dedicated_connections, election_key
from bot.metrics import Metrics
from bot.scheduler import DISPATCH_REF, Job, JobRunner, PersistentScheduler, Skipped
from tests.conftest import REPO


def _rows(app: Steward, sql: str, **params: Any) -> list[Any]:
    with app.database.engine.begin() as conn:
        return list(conn.execute(text(sql), params).all())


def _runs(app: Steward, job: str) -> list[Any]:
    return _rows(app, "select outcome, host, detail from job_runs where job = :j order by id", j=job)


def _metrics() -> Metrics:
    return Metrics(CollectorRegistry())


def test_only_one_process_runs_a_job_at_a_time_and_every_run_is_recorded(steward: Steward) -> None:
    started, release, ran = threading.Event(), threading.Event(), []

    def slow() -> str:
        started.set()
        release.wait(30)
        ran.append("slow")
        return "done"

    job = Job("test-lock", slow, "interval", {"minutes": 60})
    results: list[Any] = []
    first = threading.Thread(target=lambda: results.append(JobRunner(steward.database, _metrics())(job)))
    first.start()
    assert started.wait(30)
    metrics = _metrics()
    other = JobRunner(steward.database, metrics)  # its own connection: a separate session, like another process
    assert other(job).outcome == "skipped"  # the lock is held elsewhere
    release.set()
    first.join(30)
    assert ran == ["slow"] and results[0].outcome == "ok"
    assert other(Job("test-lock", lambda: "again", "interval", {"minutes": 60})).outcome == "ok"  # free again
    failed = other(Job("test-lock", lambda: 1 / 0, "interval", {"minutes": 60}))  # recorded, not raised
    other(Job("test-lock", lambda: Skipped("nothing to do"), "interval", {"minutes": 60}))
    assert (failed.outcome, failed.detail) == ("error", {"error": "ZeroDivisionError: division by zero"})
    assert [(r.outcome, r.detail) for r in _runs(steward, "test-lock")] == [
        ("skipped", {"reason": "running in another process"}),
        ("ok", {"result": "done"}),
        ("ok", {"result": "again"}),
        ("error", {"error": "ZeroDivisionError: division by zero"}),
        ("skipped", {"reason": "nothing to do"}),
    ]
    assert all(r.host.endswith(f":{os.getpid()}") for r in _runs(steward, "test-lock"))
    outcomes = {o: metrics.job_runs.labels(job="test-lock", outcome=o)._value.get() for o in ("ok", "error", "skipped")}
    assert outcomes == {"ok": 1, "error": 1, "skipped": 2}


def test_the_configured_jobs_are_scheduled(steward: Steward) -> None:
    names = [job.name for job in steward.jobs()]
    assert names == ["retention", "ledger-prune", "preference-dataset", "retrieval-eval", "reindex"]


def _url(app: Steward) -> str:
    return app.database.engine.url.render_as_string(hide_password=False)


def _wait(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_jobs_are_stored_in_postgres_by_name_and_run_through_the_store(steward: Steward) -> None:
    ticks: list[int] = []
    jobs = [
        Job("test-tick", lambda: ticks.append(1), "interval", {"seconds": 1}),
        Job("test-nightly", lambda: None, "cron", {"hour": 4}),
    ]
    scheduler = PersistentScheduler(jobs, JobRunner(steward.database, _metrics()), _url(steward))

    async def main() -> None:
        scheduler.start()
        try:
            while not ticks:
                await asyncio.sleep(0.1)
        finally:
            scheduler.stop()

    asyncio.run(asyncio.wait_for(main(), 60))
    stored = {r.id: r for r in _rows(steward, "select id, next_run_time from apscheduler_jobs")}
    assert set(stored) == {"test-tick", "test-nightly"}  # jobs of older configurations were removed
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(url=_url(steward))
    try:
        job = store._reconstitute_job(
            _rows(steward, "select job_state from apscheduler_jobs where id = 'test-tick'")[0].job_state
        )
    finally:
        store.engine.dispose()
    assert (job.func_ref, job.args) == (DISPATCH_REF, ("test-tick",))  # a name, not pickled code
    assert _runs(steward, "test-tick")[0].outcome == "ok"  # dispatched by name to this process's job


class Candidate:
    """One leader candidate, as a replica runs it: the election loop in its own thread and event loop."""

    def __init__(self, app: Steward, retry_s: float) -> None:
        self.events: list[str] = []
        self.election = LeaderElection(
            dedicated_connections(app.database.engine),
            "test-election",
            retry_s,
            lambda: self.events.append("elected"),
            lambda: self.events.append("lost"),
            _metrics(),
        )
        self.loop = asyncio.new_event_loop()
        self.task: asyncio.Task[None] | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.task = self.loop.create_task(self.election.run())
        self.loop.run_until_complete(asyncio.gather(self.task, return_exceptions=True))

    def __enter__(self) -> Candidate:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(lambda: self.task and self.task.cancel())
        self.thread.join(10)


def _holder(app: Steward) -> list[int]:
    """Backend pids holding the test election's lock (bigint key: classid 0, objid key, objsubid 1)."""
    sql = "select pid from pg_locks where locktype = 'advisory' and objid = :k and objsubid = 1 and granted"
    return [r.pid for r in _rows(app, sql, k=election_key("test-election"))]


def test_exactly_one_leader_and_failover_when_its_connection_dies(steward: Steward) -> None:
    retry = 0.5
    with Candidate(steward, retry) as a:
        _wait(lambda: a.election.is_leader)
        with Candidate(steward, retry) as b:
            time.sleep(3 * retry)  # b has tried several times by now
            assert (a.election.is_leader, b.election.is_leader) == (True, False)
            assert len(_holder(steward)) == 1 and b.events == []
            (pid,) = _holder(steward)
            _rows(steward, "select pg_terminate_backend(:p)", p=pid)  # the leader's session dies
            killed = time.monotonic()
            _wait(lambda: b.election.is_leader and not a.election.is_leader, timeout=30)
            took = time.monotonic() - killed
            assert a.events == ["elected", "lost"] and b.events == ["elected"]
            assert len(_holder(steward)) == 1
        assert b.events == ["elected", "lost"]  # stopping the replica steps down and releases the lock
    _wait(lambda: _holder(steward) == [])
    print(f"failover after the leader's connection was killed: {took:.2f} s (retry {retry} s)")


CHILD = """
import asyncio, sys
from prometheus_client import CollectorRegistry
from sqlalchemy import create_engine
from bot.leader import LeaderElection, dedicated_connections
from bot.metrics import Metrics
say = lambda word: print(word, flush=True)
election = LeaderElection(dedicated_connections(create_engine(sys.argv[1])), "test-election", 0.5,
                          lambda: say("elected"), lambda: say("lost"), Metrics(CollectorRegistry()))
asyncio.run(election.run())
"""


def test_a_killed_leader_process_is_replaced(steward: Steward) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, _url(steward)], env=env, stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert child.stdout is not None
        lines = iter(child.stdout.readline, "")  # its log lines come first
        assert any(line.strip() == "elected" for line in lines)
        with Candidate(steward, 0.5) as follower:
            time.sleep(1.5)
            assert not follower.election.is_leader
            child.kill()  # SIGKILL: no clean-up, the database notices the dropped connection
            killed = time.monotonic()
            _wait(lambda: follower.election.is_leader, timeout=30)
            print(f"failover after SIGKILL of the leader process: {time.monotonic() - killed:.2f} s (retry 0.5 s)")
    finally:
        child.kill()
        child.wait(10)
