"""Promotion from the web admin page is gated like ``steward adapters promote``, over real HTTP and the real database.

The adapters here are registry entries whose gate reports are made by the gate's own decision function
(``agents.eval.gate.decide``) from given scores and kept the way ``Tuning.evaluate`` keeps them, against the
model that serves now; so the page's Promote reuses them, as the CLI does, instead of scoring a model here.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from agents.eval.gate import decide
from agents.eval.results import ModelScores
from agents.models.adapters import AdapterError
from agents.tuning.config import GateSettings
from bot.admin import BASE
from bot.container import Steward
from bot.http.app import make_http_app
from bot.serve import api_routers
from bot.settings import Settings
from governance.policy.rbac import Subject
from tests.test_slack import Uvicorn

COUNTS = {"answerable": 3, "unanswerable": 1, "general": 4}


def _scores(name: str, domain: float, general: float = 0.75) -> ModelScores:
    return ModelScores(
        name=name,
        domain_score=domain,
        correctness=domain,
        key_recall=domain,
        rouge_l=domain,
        groundedness=0.9,
        abstention=1.0,
        false_abstention=0.0,
        general=general,
        counts=COUNTS,
    )


@pytest.fixture(scope="module")
def app(steward: Steward) -> Steward:
    return steward


@contextlib.contextmanager
def _logged_in(app: Steward) -> Iterator[httpx.Client]:
    """An admin's browser session on the admin page of ``app``, over real HTTP."""
    key = app.api_keys.create("acme", "admin", "web-promote", "test:setup")[1]
    with Uvicorn(make_http_app(api_routers(app), ready=lambda: True)) as url, httpx.Client(base_url=url) as http:
        assert http.post("/admin/login", data={"key": key}).status_code == 303
        yield http


@pytest.fixture(scope="module")
def client(app: Steward) -> Iterator[httpx.Client]:
    with _logged_in(app) as http:
        yield http


def _events(app: Steward, kind: str) -> list[Any]:
    with app.database.engine.connect() as conn:
        query = text("SELECT * FROM audit_events WHERE tenant_id = '*' AND kind = :k ORDER BY seq")
        return list(conn.execute(query, {"k": kind}).all())


def _post(client: httpx.Client, path: str, **fields: str) -> str:
    """Submit a form of the adapters page (with its CSRF token); the page it redirects to."""
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/admin/adapters").text)
    assert csrf is not None
    sent = client.post(path, data={"csrf": csrf.group(1), **fields})
    assert sent.status_code == 303, sent.text
    shown = client.get(sent.headers["location"])
    assert shown.status_code == 200
    return shown.text


def _register(app: Steward, tmp_path: Path, name: str) -> None:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "adapter_config.json").write_text("{}")
    (folder / "adapter_model.safetensors").write_bytes(b"")
    app.adapters.register(name, folder)


def test_web_promote_runs_the_gate_and_an_override_is_its_own_audited_action(
    app: Steward, client: httpx.Client, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    loser, winner = f"lose-{tag}", f"win-{tag}"
    for name in (loser, winner):
        _register(app, tmp_path, name)
    gate = GateSettings(margin=0.03)
    app.tuning.keep_report(loser, decide(_scores(loser, 0.40), _scores(BASE, 0.50), gate))
    app.tuning.keep_report(winner, decide(_scores(winner, 0.70), _scores(BASE, 0.50), gate))
    app.adapters.activate(None)
    before = {k: len(_events(app, k)) for k in ("adapter_promoted", "adapter_refused", "adapter_forced")}
    try:
        # The loser is refused: shown with the gate's reasons, audited as a refusal, nothing activated.
        page = _post(client, "/admin/adapters/promote", name=loser)
        assert f"{loser} was not promoted: the evaluation gate refused it" in page
        assert "domain score -0.100 is below the margin 0.030" in page
        assert f'<details class="gate" id="gate-{loser}" open>' in page and '<strong class="decision">refuse' in page
        assert app.adapters.active() is None
        (refused,) = _events(app, "adapter_refused")[before["adapter_refused"] :]
        assert refused.payload["adapter"] == loser and refused.payload["against"] == BASE
        assert refused.payload["reasons"] == ["domain score -0.100 is below the margin 0.030"]
        assert len(_events(app, "adapter_promoted")) == before["adapter_promoted"]

        # The winner is promoted, and its audit event carries the gate's report.
        page = _post(client, "/admin/adapters/promote", name=winner)
        assert f"{winner} passed the evaluation gate against {BASE} and is now active" in page
        assert app.adapters.active().name == winner  # type: ignore[union-attr]
        (promoted,) = _events(app, "adapter_promoted")[before["adapter_promoted"] :]
        assert promoted.payload["adapter"] == winner
        assert promoted.payload["metrics"]["gate"]["decision"] == "promote"
        assert promoted.payload["metrics"]["gate"]["current"]["name"] == BASE

        # An override needs a reason, and is recorded as what it is: ungated, with the gate's last word on it.
        page = _post(client, "/admin/adapters/force", name=loser, reason="  ")
        assert "needs a reason" in page and app.adapters.active().name == winner  # type: ignore[union-attr]
        page = _post(client, "/admin/adapters/force", name=loser, reason="incident 4711: pin the old behaviour")
        assert f"{loser} is now active WITHOUT the evaluation gate" in page
        assert app.adapters.active().name == loser  # type: ignore[union-attr]
        (forced,) = _events(app, "adapter_forced")[before["adapter_forced"] :]
        facts = forced.payload
        assert (facts["adapter"], facts["previous"], facts["gate"]) == (loser, winner, "refuse")
        assert forced.payload["reason"] == "incident 4711: pin the old behaviour"
        assert len(_events(app, "adapter_promoted")) == before["adapter_promoted"] + 1
    finally:
        app.adapters.activate(None)


def test_a_report_against_another_serving_adapter_promotes_nothing(app: Steward, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    first, second = f"first-{tag}", f"second-{tag}"
    for name in (first, second):
        _register(app, tmp_path, name)
    stale = decide(_scores(second, 0.9), _scores(BASE, 0.5), GateSettings())
    operator = Subject("*", "test:operator", platform_admin=True)
    app.adapters.activate(first)
    try:
        with pytest.raises(AdapterError, match=f"but {first} serves now"):
            app.admin.promote_adapter(operator, second, stale)
        assert app.adapters.active().name == first  # type: ignore[union-attr]
        app.tuning.keep_report(second, stale)
        assert app.tuning.current_report(second) is None  # so Tuning.promote would run the gate again
    finally:
        app.adapters.activate(None)


def test_without_a_stored_report_promote_runs_the_gate_and_shows_why_it_failed(
    app: Steward, settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-qa.jsonl"  # the gate fails at once, before loading a model
    broken = Steward(settings.model_copy(update={"gate": GateSettings(qa_file=missing)}), app.database)
    name = f"unscored-{uuid.uuid4().hex[:6]}"
    _register(app, tmp_path, name)
    app.adapters.activate(None)
    before = {k: len(_events(app, k)) for k in ("adapter_promoted", "adapter_refused", "adapter_forced")}
    with _logged_in(broken) as http:
        page = _post(http, "/admin/adapters/promote", name=name)
    assert f"{name} was not promoted: the gate failed: FileNotFoundError" in page and str(missing) in page
    assert f'id="attempt-{name}">promotion failed' in page and "not evaluated yet" in page
    assert app.adapters.active() is None
    assert {k: len(_events(app, k)) for k in before} == before  # nothing activated, nothing decided
