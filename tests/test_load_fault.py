"""Load and fault tests against a real ``steward serve`` on 127.0.0.1.

The service runs in its own data dir (its own embedded PostgreSQL, so stopping it harms no other test),
with a fast stand-in model: the local fake OpenAI server as the hosted model, route hosted-only.

* 50 concurrent ``/api/v1/ask``: all answered; each answer is audited exactly once.
* PostgreSQL stopped for 5 s under load: ``/readyz`` goes 503 then recovers; requests fail with a clear
  503 (no hang); every acknowledged answer and 👍 is in the database afterwards; the audit chain verifies.
* SIGTERM while answers stream: they all finish, new ones are refused, the process exits cleanly and the
  audit chain verifies.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import REPO, STEWARD, cli_env, free_port, run_cli
from tests.fake_openai import Behaviour, FakeOpenAI

pytestmark = pytest.mark.slow
TENANT = "loadco"
ANSWER = "Meals on business trips are capped at 75 EUR per day [1]."
ANSWER_SENTENCE = "Meal expenses on business trips are capped at 75 EUR per day [1]."  # grounded in travel.md


@dataclass
class Service:
    """A running ``steward serve`` and what the tests need to talk to it."""

    proc: subprocess.Popen[bytes]
    url: str
    key: str
    env: dict[str, str]
    data: Path
    fake: FakeOpenAI

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def sql(self, query: str, **params: object) -> list:
        """Run a query on the service's embedded server (over its unix socket, as the superuser)."""
        pid_file = (self.data / "pgdata" / "postmaster.pid").read_text().splitlines()
        port, sock = pid_file[3].strip(), pid_file[4].strip()  # see PostgreSQL's postmaster.pid layout
        engine = create_engine(f"postgresql+psycopg://postgres@/postgres?host={sock}&port={port}")
        try:
            with engine.begin() as conn:
                return list(conn.execute(text(query), params))
        finally:
            engine.dispose()


def _wait_ready(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not become ready in {timeout} s")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    data = tmp_path_factory.mktemp("serve-load")
    port = free_port()
    with FakeOpenAI(default=Behaviour(text=ANSWER)) as fake:
        env = cli_env(
            data,
            STEWARD_DEFAULT_TENANT=TENANT,
            STEWARD_HTTP_PORT=str(port),
            STEWARD_DB_POOL_SIZE="8",
            STEWARD_DB_CONNECT_TIMEOUT="3",
            **fake.serve_env(),
        )
        docs = data / "docs"
        docs.mkdir()
        (docs / "travel.md").write_text("# Travel\n\nMeal expenses on business trips are capped at 75 EUR per day.\n")
        (docs / "mfa.md").write_text("# MFA\n\nEvery employee receives two YubiKey 5 keys: one daily, one backup.\n")
        assert run_cli("ingest", str(docs), env=env).returncode == 0
        created = run_cli("keys", "create", "--tenant", TENANT, "--role", "member", env=env)
        assert created.returncode == 0, created.stderr
        log = (data / "serve.log").open("w")  # a file, not a pipe: a full pipe would block the server's logging
        proc = subprocess.Popen([str(STEWARD), "serve"], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url)
            yield Service(proc, url, created.stdout.strip(), env, data, fake)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=90)


async def _ask_many(service: Service, questions: list[str], timeout: float = 120) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=service.url, headers=service.headers(), timeout=timeout) as client:
        return await asyncio.gather(*(client.post("/api/v1/ask", json={"question": q}) for q in questions))


def _answer_events(service: Service) -> list[str]:
    rows = service.sql(
        "SELECT payload->>'answer_id' AS answer FROM audit_events WHERE tenant_id = :t AND kind = 'answer_sent'",
        t=TENANT,
    )
    return [r.answer for r in rows]


def test_fifty_concurrent_asks_are_all_answered_and_audited_once(service: Service) -> None:
    before = len(_answer_events(service))
    replies = asyncio.run(_ask_many(service, [f"What is the meal cap on trip {i}?" for i in range(50)]))
    assert [r.status_code for r in replies] == [200] * 50, [r.text for r in replies if r.status_code != 200][:3]
    ids = [r.json()["answer_id"] for r in replies]
    assert len(set(ids)) == 50 and all(r.json()["citations"] for r in replies)
    events = _answer_events(service)
    assert len(events) - before == 50
    assert sorted(e for e in events if e in ids) == sorted(ids)  # each answer audited exactly once


def _pg_ctl(service: Service, *args: str) -> None:
    """Stop or start the service's embedded server the way pgserver started it (postmaster.opts)."""
    pgdata = service.data / "pgdata"
    binary, *opts = shlex.split((pgdata / "postmaster.opts").read_text())
    pg_ctl = Path(binary).with_name("pg_ctl")
    if args[0] == "start":
        server_args = [o for i, o in enumerate(opts) if o != "-D" and (i == 0 or opts[i - 1] != "-D")]
        args = ("start", "-w", "-l", str(pgdata / "restart.log"), "-o", shlex.join(server_args))
    subprocess.run([str(pg_ctl), "-D", str(pgdata), *args], check=True, user="pgserver", timeout=60)


def test_a_database_outage_gives_clear_503s_and_loses_nothing_acknowledged(service: Service) -> None:
    acknowledged: list[str] = []
    voted: list[str] = []
    statuses: list[int] = []

    async def client_loop(client: httpx.AsyncClient, n: int) -> None:
        for i in range(n):
            start = time.monotonic()
            reply = await client.post("/api/v1/ask", json={"question": f"meal cap question {i}?"})
            assert time.monotonic() - start < 60, "a request hung"
            statuses.append(reply.status_code)
            if reply.status_code == 200:
                acknowledged.append(reply.json()["answer_id"])
                vote = await client.post("/api/v1/feedback", json={"answer_id": acknowledged[-1], "rating": "up"})
                statuses.append(vote.status_code)
                if vote.status_code == 200:
                    voted.append(acknowledged[-1])
            else:
                assert reply.status_code == 503, reply.text
                assert "unavailable" in reply.json()["detail"] or "database" in reply.json()["detail"]
            await asyncio.sleep(0.2)

    async def outage() -> list[int]:
        await asyncio.sleep(2)
        await asyncio.to_thread(_pg_ctl, service, "stop", "-m", "fast")
        readiness = []
        for _ in range(10):  # ~5 s down
            async with httpx.AsyncClient(timeout=10) as probe:
                readiness.append((await probe.get(f"{service.url}/readyz")).status_code)
            await asyncio.sleep(0.5)
        await asyncio.to_thread(_pg_ctl, service, "start")
        return readiness

    async def run() -> list[int]:
        async with httpx.AsyncClient(base_url=service.url, headers=service.headers(), timeout=90) as client:
            results = await asyncio.gather(outage(), *(client_loop(client, 12) for _ in range(4)))
        return results[0]

    down = asyncio.run(run())
    assert 503 in down, down  # readiness went false while the database was stopped
    _wait_ready(service.url, timeout=60)  # and came back
    assert 503 in statuses and 200 in statuses, statuses
    rows = service.sql("SELECT id::text FROM answers WHERE tenant_id = :t", t=TENANT)
    assert set(acknowledged) <= {r.id for r in rows}
    votes = service.sql("SELECT answer_id::text FROM feedback WHERE tenant_id = :t AND rating = 1", t=TENANT)
    assert set(voted) <= {v.answer_id for v in votes}
    assert set(acknowledged) <= set(_answer_events(service))
    verified = run_cli("audit", "verify", "--tenant", TENANT, env=service.env)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_sigterm_lets_streaming_answers_finish_and_refuses_new_ones(service: Service) -> None:
    # Several checked sentences (a stream shows whole sentences once they pass the output checks): ~4 s each.
    streamed = " ".join([ANSWER_SENTENCE] * 4)
    service.fake.default = Behaviour(text=streamed, token_delay_s=0.06)

    async def stream(client: httpx.AsyncClient, i: int) -> tuple[int, list[dict]]:
        events = []
        async with client.stream("POST", "/api/v1/ask/stream", json={"question": f"meal cap {i}?"}) as reply:
            async for line in reply.aiter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
            return reply.status_code, events

    async def run() -> tuple[list[tuple[int, list[dict]]], int | str]:
        async with httpx.AsyncClient(base_url=service.url, headers=service.headers(), timeout=90) as client:
            streams = [asyncio.create_task(stream(client, i)) for i in range(5)]
            while len(service.fake.requests) < 5:
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # the answers are mid-stream
            service.proc.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.5)
            try:
                late: int | str = (await client.post("/api/v1/ask", json={"question": "too late?"})).status_code
            except httpx.TransportError as exc:  # the listener is already closed: also a clear refusal
                late = type(exc).__name__
            return await asyncio.gather(*streams), late

    service.fake.requests.clear()
    results, late = asyncio.run(run())
    assert late in (503, "ConnectError", "RemoteProtocolError"), late
    for status, events in results:
        assert status == 200
        assert events[-1]["type"] == "answer" and events[-1]["answer"]["answer_id"], events[-1]
        assert sum(e["type"] == "token" for e in events) >= 3  # it really streamed
    assert service.proc.wait(timeout=90) == 0
    log = (service.data / "serve.log").read_text()
    assert '"event": "serve.stopped"' in log and '"cancelled_answers": 0' in log
    # The embedded server stopped with the process that started it; the CLI starts its own to check.
    verified = run_cli("audit", "verify", "--tenant", TENANT, env=service.env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    out = service.data / "audit.jsonl"
    assert run_cli("audit", "export", "--tenant", TENANT, "--out", str(out), env=service.env).returncode == 0
    events = [json.loads(line) for line in out.read_text().splitlines()]
    audited = [e["payload"]["answer_id"] for e in events if e["kind"] == "answer_sent"]
    for _, streamed in results:
        assert audited.count(streamed[-1]["answer"]["answer_id"]) == 1
