"""Governed streaming: nothing the model writes is shown before it passed output moderation, the output PII
check and the groundedness check.

The model (the local OpenAI-compatible fake, on the hosted route) writes a checked sentence, then a toxic
sentence, a PII value or an ungrounded claim, then another sentence that would pass. Through the fake Slack
Web API, the fake Discord REST and the HTTP stream (real HTTP on 127.0.0.1, the real pipeline and database)
no edit, message or token event ever carries the bad sentence or anything after it, and the final reply is
the checked one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from agents.config import HostedSettings, RouterSettings
from bot.container import Steward
from bot.http.api import ApiServices, api_router
from bot.http.app import make_http_app
from bot.pipeline.output_check import OutputCheck
from bot.pipeline.stream_gate import StreamGate
from bot.settings import Settings
from bot.slack.app import build_slack_app
from bot.slack.http import slack_router
from governance.moderation.config import ModerationSettings
from governance.moderation.factory import make_moderator
from governance.pii import make_redactor
from governance.pii.config import PIISettings
from tests.conftest import HANDBOOK
from tests.fake_discord import FakeDiscord
from tests.fake_openai import Behaviour, FakeOpenAI
from tests.fake_slack import FakeSlack
from tests.test_discord import GUILD_ID, _answered, _running, _scenario
from tests.test_slack import TEAM, USERS, Uvicorn, _slack_settings, answer_in, mention, send_event

QUESTION = "how much can I spend on food per day on a business trip?"
FIRST = "Meal expenses while travelling for work are capped at 75 EUR per day, including drinks and tips."
LATER = "This is a daily cap, not a per diem; only what you actually spend is reimbursed."
HOME = "Meals during a normal working day in your home city are not reimbursed, except for team lunches."
# kind -> (the sentence the model writes mid-answer, a piece of it that must never be shown)
BAD = {
    "toxic": ("You are a worthless fucking idiot and I hate you.", "idiot"),
    "pii": ("Send the receipts to jane.roe@example.org first.", "jane.roe@example.org"),
    "ungrounded": ("The guest wifi network is called Wifi-A.", "Wifi-A"),
}
EXPENSES = (HANDBOOK / "expenses-and-reimbursement.md").read_text()
pytestmark = pytest.mark.slow


def draft(kind: str) -> str:
    """What the fake model streams: a checked sentence, the bad one, then one that would pass on its own."""
    return f"{FIRST} [1] {BAD[kind][0]} {LATER} [1]"


def assert_governed(kind: str, partials: list[str], final: str) -> None:
    """The checked first sentence streamed; the bad sentence and everything after it never showed."""
    marker = BAD[kind][1]
    assert partials and any("75 EUR per day" in p for p in partials), partials  # streaming still works
    assert not any(marker in p or "daily cap, not a per diem" in p for p in partials), partials
    assert marker not in final, final


# ---- the gate itself, with the real moderator, PII detector and groundedness check ---------------------


@pytest.fixture(scope="module")
def check(settings: Settings) -> OutputCheck:
    redactor = make_redactor(PIISettings())
    return OutputCheck(make_moderator(ModerationSettings()), redactor, settings.agent.min_groundedness)


async def _gate(check: OutputCheck, tokens: list[str], final: str) -> tuple[list[str], StreamGate]:
    released: list[str] = []

    async def keep(piece: str) -> None:
        released.append(piece)

    gate = StreamGate(check, [EXPENSES], keep)
    for token in tokens:
        await gate.feed(token)
    await gate.finish(final)
    return released, gate


def _tokens(answer: str) -> list[str]:
    return [answer[i : i + 3] for i in range(0, len(answer), 3)]  # cuts words and sentences anywhere


@pytest.mark.parametrize("kind", sorted(BAD))
def test_the_gate_releases_checked_sentences_and_stops_at_the_first_bad_one(check: OutputCheck, kind: str) -> None:
    released, gate = asyncio.run(_gate(check, _tokens(draft(kind)), draft(kind)))
    assert released == [f"{FIRST} [1] "]  # whole sentences (with their citations) only, up to the bad one
    expected = {"toxic": "moderation", "pii": "pii", "ungrounded": "groundedness"}[kind]
    assert gate.held == expected


def test_the_gate_releases_the_tail_only_when_it_is_the_final_answer(check: OutputCheck) -> None:
    answer = f"{FIRST} {LATER}"
    released, _ = asyncio.run(_gate(check, _tokens(answer), answer))
    assert "".join(released) == answer  # the last sentence, unterminated, once the answer is final
    released, _ = asyncio.run(_gate(check, _tokens(answer), "A quote of the handbook instead."))
    assert released == [f"{FIRST} "]  # the draft's tail is not the final answer: never shown


def test_pii_quoted_from_the_passages_passes_and_made_up_pii_is_redacted(check: OutputCheck) -> None:
    passage = "Send receipts to expenses@harbor.example within 30 days."
    assert check.failure("Send receipts to expenses@harbor.example within 30 days.", [passage]) is None
    redacted, kinds = check.redact_pii("Or mail jane.roe@example.org directly.", [passage])
    assert redacted == "Or mail <EMAIL_ADDRESS> directly." and kinds == ["EMAIL_ADDRESS"]


# ---- end to end through the fakes ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default=Behaviour(text=draft("toxic"), token_delay_s=0.01)) as fake:
        yield fake


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(team=TEAM, users=USERS) as fake:
        yield fake


@pytest.fixture(scope="module")
def app(handbook: Steward, settings: Settings, model: FakeOpenAI, slack: FakeSlack) -> Steward:
    """Steward on the hosted route (the fake model), with the handbook in the Slack team and the Discord guild."""
    hosted = HostedSettings(base_url=model.base_url, api_key=SecretStr("sk-test"), model="fake-model", max_retries=0)
    changes = {"hosted": hosted, "router": RouterSettings(route="hosted-only"), "slack": _slack_settings(slack)}
    steward = Steward(settings.model_copy(update=changes), handbook.database)  # shares the session's database
    report = steward.ingestor.ingest([HANDBOOK / "expenses-and-reimbursement.md"], str(GUILD_ID), "handbook")
    assert not report.failed
    return steward


@pytest.fixture(scope="module")
def base(app: Steward) -> Iterator[str]:
    routers = [slack_router(build_slack_app(app.chat, app.settings.slack))]
    routers.append(api_router(ApiServices(app.pipeline, app.commands, app.access)))
    with Uvicorn(make_http_app(routers, ready=lambda: True)) as url:
        yield url


def _stored(app: Steward, answer_id: str) -> Any:
    with app.database.engine.connect() as conn:
        return conn.execute(text("select answer, mode from answers where id = :i"), {"i": answer_id}).one()


@pytest.mark.parametrize("kind", sorted(BAD))
def test_slack_edits_carry_only_checked_text(
    base: str, slack: FakeSlack, model: FakeOpenAI, app: Steward, kind: str
) -> None:
    model.script(Behaviour(text=draft(kind), token_delay_s=0.01))
    event = mention(channel=f"C-governed-{kind}")
    assert send_event(base, event).status_code == 200
    post, final = answer_in(slack, event["channel"], event["ts"])
    updates = slack.calls_to("chat.update", channel=event["channel"], ts=post.reply["ts"])
    assert updates[-1] is final and all(not u.params.get("blocks") for u in updates[:-1])
    partials = [str(u.params["text"]) for u in updates[:-1]]
    assert_governed(kind, [post.params["text"], *partials], json.dumps(final.params))
    [actions] = [b for b in final.params["blocks"] if b["type"] == "actions"]
    stored = _stored(app, actions["elements"][0]["value"])
    assert final.params["text"] == stored.answer  # the final edit is the checked, recorded answer


@pytest.mark.parametrize("kind", sorted(BAD))
def test_discord_writes_carry_only_checked_text(model: FakeOpenAI, app: Steward, kind: str) -> None:
    model.script(Behaviour(text=draft(kind), token_delay_s=0.01))

    async def body(fake: FakeDiscord) -> None:
        alice = fake.person("alice")
        async with _running(app, fake):
            await fake.say(alice, QUESTION, mention=True)
            last = await _answered(fake, fake.channel_id)
        writes = fake.writes_to(int(last["id"]))
        contents = [str((w.body or {}).get("content") or "") for w in writes]
        assert len(writes) >= 2 and writes[-1].body and writes[-1].body.get("components")
        assert_governed(kind, contents[:-1], contents[-1])
        assert last["content"] == contents[-1]

    _scenario(body)


@pytest.mark.parametrize("kind", sorted(BAD))
def test_http_token_events_carry_only_checked_text(base: str, model: FakeOpenAI, app: Steward, kind: str) -> None:
    model.script(Behaviour(text=draft(kind), token_delay_s=0.01))
    key = app.api_keys.create("acme", "member", f"stream-{kind}", "test:setup")[1]
    events = []
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.stream("POST", f"{base}/api/v1/ask/stream", json={"question": QUESTION}, headers=headers) as reply:
        assert reply.status_code == 200
        events = [json.loads(line[6:]) for line in reply.iter_lines() if line.startswith("data: ")]
    tokens = [e["text"] for e in events if e["type"] == "token"]
    assert events[-1]["type"] == "answer" and all(e["type"] == "token" for e in events[:-1])
    assert_governed(kind, ["".join(tokens)], events[-1]["answer"]["answer"])
    assert events[-1]["answer"]["answer"] == _stored(app, events[-1]["answer"]["answer_id"]).answer


def test_made_up_pii_in_a_grounded_answer_is_redacted_and_audited(base: str, model: FakeOpenAI, app: Steward) -> None:
    grounded = f"{FIRST} [1] {LATER} {HOME} [1] {BAD['pii'][0]}"  # grounded enough overall to be shown
    model.script(Behaviour(text=grounded))
    key = app.api_keys.create("acme", "member", "stream-pii-final", "test:setup")[1]
    reply = httpx.post(
        f"{base}/api/v1/ask", json={"question": QUESTION}, headers={"Authorization": f"Bearer {key}"}, timeout=60
    )
    answer = reply.json()["answer"]
    assert "<EMAIL_ADDRESS>" in answer and "jane.roe" not in answer and "75 EUR per day" in answer
    with app.database.engine.connect() as conn:
        sql = "select payload from audit_events where tenant_id = 'acme' and kind = 'moderation_flag'"
        payload = conn.execute(text(sql + " order by seq desc limit 1")).scalar_one()
    assert payload["category"] == "pii" and payload["detail"] == "EMAIL_ADDRESS" and "jane" not in json.dumps(payload)
