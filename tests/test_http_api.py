"""The HTTP API end to end: a real ``steward serve`` process on 127.0.0.1, keys made with the real CLI, the
session's database behind it, and the hosted model faked only at its wire protocol (for fast answers)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bot.container import Steward
from bot.settings import Settings
from governance.audit.reader import EventFilter, read_events
from governance.audit.verify import verify
from tests.conftest import REPO, STEWARD, cli_env, free_port, run_cli
from tests.fake_openai import Behaviour, FakeOpenAI

GROUNDED = "Meal expenses while travelling for work are capped at 75 EUR per day, including drinks and tips. [1]"
QUESTION = "how much can I spend on food per day on a business trip?"
EMAIL = "jane.mcallister@example.org"


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default=Behaviour(text=GROUNDED)) as fake:
        yield fake


@pytest.fixture(scope="module")
def server(handbook: Steward, settings: Settings, model: FakeOpenAI, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """``steward serve`` with only the HTTP API; its log lines go to a file the tests read."""
    port = free_port()
    env = cli_env(
        settings.core.data_dir,
        STEWARD_HTTP_PORT=str(port),
        STEWARD_LOG_LEVEL="DEBUG",
        **model.serve_env(),
    )
    log_path = tmp_path_factory.mktemp("serve-log") / "serve.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen([str(STEWARD), "serve"], env=env, cwd=REPO, stdout=log_file, stderr=log_file)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                assert proc.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            yield {"base": base, "log": log_path, "env": env}
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


def _key(app: Steward, role: str, tenant: str = "acme") -> str:
    return app.api_keys.create(tenant, role, f"test-{role}", "test:setup")[1]


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _ask(base: str, key: str, **body: Any) -> httpx.Response:
    return httpx.post(f"{base}/api/v1/ask", json={"question": QUESTION, **body}, headers=_auth(key), timeout=120)


def _events(app: Steward, kind: str, since_seq: int = 0) -> list[Any]:
    with app.database.engine.connect() as conn:
        return conn.execute(
            text("SELECT * FROM audit_events WHERE tenant_id = 'acme' AND kind = :k AND seq > :s ORDER BY seq"),
            {"k": kind, "s": since_seq},
        ).all()


def _head(app: Steward) -> int:
    with app.database.engine.connect() as conn:
        return int(
            conn.execute(text("SELECT coalesce(max(seq), 0) FROM audit_events WHERE tenant_id = 'acme'")).one()[0]
        )


def test_keys_cli_creates_lists_and_revokes_and_the_api_follows(server: dict[str, Any], handbook: Steward) -> None:
    start = _head(handbook)
    created = run_cli("keys", "create", "--tenant", "acme", "--role", "member", "--name", "ci", env=server["env"])
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("stw_") and len(key) > 40
    with handbook.database.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM api_keys WHERE prefix = :p"), {"p": key[:12]}).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in json.dumps(
        row._asdict(), default=str
    )

    listed = run_cli("keys", "list", "--tenant", "acme", env=server["env"])
    assert listed.returncode == 0 and str(row.id) in listed.stdout and key not in listed.stdout
    assert "member" in listed.stdout and "active" in listed.stdout

    assert _ask(server["base"], key).status_code == 200
    revoked = run_cli("keys", "revoke", key[:12], "--tenant", "acme", env=server["env"])
    assert revoked.returncode == 0, revoked.stderr
    refused = _ask(server["base"], key)
    assert refused.status_code == 401 and refused.json() == {"detail": "invalid or revoked API key"}
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert "revoked" in run_cli("keys", "list", "--tenant", "acme", env=server["env"]).stdout

    changes = [(e.payload["action"], e.payload["key_id"]) for e in _events(handbook, "api_key", start)]
    assert changes == [("create", str(row.id)), ("revoke", str(row.id))]
    bad_role = run_cli("keys", "create", "--tenant", "acme", "--role", "root", env=server["env"])
    assert bad_role.returncode == 2 and "unknown role 'root'" in bad_role.stderr


def test_ask_answers_with_citations_and_answer_id_through_the_governed_pipeline(
    server: dict[str, Any], handbook: Steward
) -> None:
    key = _key(handbook, "member")
    key_id = handbook.api_keys.authenticate(key).id  # type: ignore[union-attr]
    start = _head(handbook)
    response = _ask(server["base"], key, collection="handbook", thread_id="t-1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"answer", "citations", "model", "latency_ms", "answer_id", "status"}
    assert body["answer"] == GROUNDED and body["model"] == "hosted:fake" and body["status"] == "answered"
    assert body["citations"][0]["n"] == 1 and body["citations"][0]["source"].endswith(".md")
    assert set(body["latency_ms"]) == {"retrieve", "generate", "total"}
    with handbook.database.engine.connect() as conn:
        answer = conn.execute(text("SELECT * FROM answers WHERE id = :i"), {"i": body["answer_id"]}).one()
        convo = conn.execute(text("SELECT * FROM conversations WHERE id = :i"), {"i": answer.conversation_id}).one()
    assert answer.tenant_id == "acme" and answer.user_id == str(key_id)
    assert (convo.platform, convo.channel_id, convo.thread_id) == ("api", "api", "t-1")
    received, sent = _events(handbook, "message_received", start), _events(handbook, "answer_sent", start)
    assert len(received) == 1 and received[0].payload["platform"] == "api"
    assert [e.payload["answer_id"] for e in sent] == [body["answer_id"]]
    assert received[0].actor == sent[0].actor and received[0].actor.startswith("u_")


def test_feedback_is_recorded_for_the_keys_tenant(server: dict[str, Any], handbook: Steward) -> None:
    key = _key(handbook, "member")
    answer_id = _ask(server["base"], key).json()["answer_id"]
    post = lambda body: httpx.post(f"{server['base']}/api/v1/feedback", json=body, headers=_auth(key), timeout=30)  # noqa: E731
    assert post({"answer_id": answer_id, "rating": "down", "reason": "too vague"}).json() == {"recorded": True}
    with handbook.database.engine.connect() as conn:
        votes = conn.execute(
            text("SELECT rating, comment, platform FROM feedback WHERE answer_id = :a"), {"a": answer_id}
        ).all()
    assert [tuple(v) for v in votes] == [(-1, "too vague", "api")]
    assert post({"answer_id": answer_id, "rating": 1}).status_code == 200
    unknown = post({"answer_id": str(uuid.uuid4()), "rating": "up"})
    assert unknown.status_code == 404 and "no answer" in unknown.json()["detail"]
    other = _key(handbook, "member", tenant="other-co")  # another tenant cannot rate acme's answers
    response = httpx.post(
        f"{server['base']}/api/v1/feedback",
        json={"answer_id": answer_id, "rating": "up"},
        headers=_auth(other),
        timeout=30,
    )
    assert response.status_code == 404
    bad = post({"answer_id": answer_id, "rating": "meh"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("invalid request: body.rating:")


def test_missing_or_invalid_keys_are_refused_with_401(server: dict[str, Any]) -> None:
    url = f"{server['base']}/api/v1/ask"
    missing = httpx.post(url, json={"question": QUESTION}, timeout=10)
    assert missing.status_code == 401 and "Authorization: Bearer" in missing.json()["detail"]
    basic = httpx.post(url, json={"question": QUESTION}, headers={"Authorization": "Basic dXNlcjpwdw=="}, timeout=10)
    assert basic.status_code == 401 and basic.headers["WWW-Authenticate"] == "Bearer"
    for token in ("stw_" + "x" * 43, "not-a-key", "stw_" + "y" * 500):
        response = httpx.post(
            url, json={"question": QUESTION}, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert response.status_code == 401, token


def test_member_key_may_not_export_the_audit_and_the_denial_is_audited(
    server: dict[str, Any], handbook: Steward
) -> None:
    key = _key(handbook, "member")
    start = _head(handbook)
    response = httpx.get(f"{server['base']}/api/v1/audit/export", headers=_auth(key), timeout=30)
    assert response.status_code == 403
    assert response.json() == {"detail": "your role (member) may not export audit here"}
    denials = _events(handbook, "policy_denied", start)
    assert [(d.payload["action"], d.payload["role"], d.channel) for d in denials] == [("export_audit", "member", "api")]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_compliance_key_exports_the_audit_with_a_verifiable_manifest(
    server: dict[str, Any], handbook: Steward, fmt: str
) -> None:
    key = _key(handbook, "compliance")
    response = httpx.get(
        f"{server['base']}/api/v1/audit/export",
        params={"format": fmt, "since": "2000-01-01"},
        headers=_auth(key),
        timeout=60,
    )
    assert response.status_code == 200, response.text
    manifest = json.loads(response.headers["X-Steward-Manifest"])
    assert hashlib.sha256(response.content).hexdigest() == manifest["sha256"]
    assert hmac.compare_digest(
        hmac.new(handbook.audit_key, response.content, "sha256").hexdigest(), manifest["hmac_sha256"]
    )
    lines = response.text.splitlines()
    assert manifest["count"] == (len(lines) - 1 if fmt == "csv" else len(lines)) > 0
    assert manifest["filters"]["tenant"] == "acme" and manifest["format"] == fmt
    assert f'filename="{manifest["file"]}"' in response.headers["content-disposition"]
    tenants = {json.loads(line)["tenant"] for line in lines} if fmt == "jsonl" else {"acme"}
    assert tenants == {"acme"}
    exports = Path(server["env"]["STEWARD_DATA_DIR"]) / "exports"
    sent = f"audit-*/{manifest['file']}*"  # this export only: other tests share the session's data dir
    assert manifest["file"]
    deadline = time.monotonic() + 10  # the server removes the file once the response is sent
    while list(exports.glob(sent)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not list(exports.glob(sent))
    bad = httpx.get(f"{server['base']}/api/v1/audit/export", params={"format": "xml"}, headers=_auth(key), timeout=10)
    assert bad.status_code == 422 and "query.format" in bad.json()["detail"]


def test_bad_input_is_a_clear_422_never_a_500(server: dict[str, Any], handbook: Steward) -> None:
    key = _key(handbook, "member")
    headers = {**_auth(key), "Content-Type": "application/json"}
    url = f"{server['base']}/api/v1/ask"
    cases = {
        b'{"question": "unterminated': "JSON decode error",
        b"{}": "body.question: Field required",
        b'{"question": ""}': "body.question: String should have at least 1 character",
        b'{"question": "hi", "colour": "red"}': "body.colour: Extra inputs are not permitted",
        b'["a list"]': "Input should be a valid dictionary",
        json.dumps({"question": "x" * 5000}).encode(): "at most 4000 characters",
    }
    for payload, message in cases.items():
        response = httpx.post(url, content=payload, headers=headers, timeout=30)
        assert response.status_code == 422, (payload[:40], response.text)
        assert message in response.json()["detail"], response.json()
    blank = httpx.post(url, json={"question": "   "}, headers=_auth(key), timeout=30)
    assert blank.status_code == 422 and blank.json() == {"detail": "the question is empty: type a question"}


def test_pii_in_a_question_reaches_neither_logs_nor_audit_nor_the_model(
    server: dict[str, Any], handbook: Steward, model: FakeOpenAI
) -> None:
    key = _key(handbook, "member")
    start, sent_before = _head(handbook), len(model.requests)
    response = _ask(server["base"], key, question=f"I am {EMAIL}: {QUESTION}")
    assert response.status_code == 200, response.text
    with handbook.database.engine.connect() as conn:
        stored = conn.execute(text("SELECT question FROM answers WHERE id = :i"), {"i": response.json()["answer_id"]})
        question = stored.scalar_one()
        events = conn.execute(
            text("SELECT payload FROM audit_events WHERE tenant_id='acme' AND seq > :s"), {"s": start}
        )
        payloads = json.dumps([e.payload for e in events])
    assert EMAIL not in question and "<EMAIL" in question, question
    assert EMAIL not in payloads and "food per day" in payloads
    assert EMAIL not in json.dumps([r.body for r in model.requests[sent_before:]])
    time.sleep(0.5)  # the log file is written by another process
    logs = server["log"].read_text()
    assert EMAIL not in logs and "pipeline.answered" in logs


def test_openapi_spec_is_served_and_docs_need_no_cdn(server: dict[str, Any]) -> None:
    spec = httpx.get(f"{server['base']}/openapi.json", timeout=10).json()
    assert {"/api/v1/ask", "/api/v1/feedback", "/api/v1/audit/export"} <= set(spec["paths"])
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert httpx.get(f"{server['base']}/docs", timeout=10).status_code == 404


def test_concurrent_asks_are_all_answered_and_the_audit_chain_stays_intact(
    server: dict[str, Any], handbook: Steward
) -> None:
    key = _key(handbook, "member")
    start = _head(handbook)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=300, headers=_auth(key)) as client:
            asks = [
                client.post(f"{server['base']}/api/v1/ask", json={"question": f"{QUESTION} #{i}"}) for i in range(20)
            ]
            return await asyncio.gather(*asks)

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses if r.status_code != 200][:1]
    answer_ids = {r.json()["answer_id"] for r in responses}
    assert len(answer_ids) == 20
    sent = {e.payload["answer_id"] for e in _events(handbook, "answer_sent", start)}
    assert answer_ids <= sent  # each answer audited once (a set would hide duplicates: count them too)
    assert len([e for e in _events(handbook, "answer_sent", start) if e.payload["answer_id"] in answer_ids]) == 20
    with handbook.database.engine.connect() as conn:
        result = verify(read_events(conn, EventFilter(tenant="acme")), {})
    assert result.ok, result.problems
