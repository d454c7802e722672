"""The Slack app end to end over real HTTP on 127.0.0.1: signed requests into uvicorn, the real pipeline and
database behind it, a fake Slack Web API (and Socket Mode server) in front of it, the hosted model faked
only at its wire protocol. Nothing is patched."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
import yaml
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from agents.answer import Citation
from agents.config import HostedSettings, RouterSettings
from bot.container import Steward
from bot.http.app import make_http_app
from bot.settings import Settings, SlackSettings
from bot.slack.app import build_slack_app
from bot.slack.blocks import citation_line
from bot.slack.commands import COMMAND
from bot.slack.http import EVENTS_PATH, slack_router
from bot.slack.socket import run_socket_mode
from tests.conftest import REPO
from tests.fake_openai import Behaviour, FakeOpenAI
from tests.fake_slack import BOT_ID, BOT_USER, Call, FakeSlack, FakeSocketMode

SECRET = "test-signing-secret"
TEAM = "acme"  # the session's handbook lives in this tenant
OTHER_TEAM = "slack-ingest-co"  # ingests go here, so other test modules see the handbook unchanged
INTERVAL = 0.3
QUESTION = "how much can I spend on food per day on a business trip?"
GROUNDED = "Meal expenses while travelling for work are capped at 75 EUR per day, including drinks and tips. [1]"
PAGE = (
    b"<html><head><title>Plant care</title></head><body><h1>Plant care</h1>"
    + (b"<p>The office plants are watered every Friday by the facilities team.</p>" * 5)
    + b"</body></html>"
)
USERS = {"UADMIN": {"is_admin": True}, "UGUEST": {"is_restricted": True}}


# ---- servers ------------------------------------------------------------------------------------------


class Uvicorn:
    """The FastAPI app served by real uvicorn in a background thread."""

    def __init__(self, app: Any) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started, "uvicorn did not start"
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(team=TEAM, users=USERS) as fake:
        yield fake


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default=Behaviour(text=GROUNDED, token_delay_s=0.05)) as fake:
        yield fake


def _slack_settings(slack: FakeSlack, **changes: Any) -> SlackSettings:
    return SlackSettings(
        bot_token=SecretStr("xoxb-test"),
        signing_secret=SecretStr(SECRET),
        api_url=slack.api_url,
        stream_interval_s=INTERVAL,
        **changes,
    )


@pytest.fixture(scope="module")
def app(handbook: Steward, settings: Settings, slack: FakeSlack, model: FakeOpenAI) -> Steward:
    hosted = HostedSettings(base_url=model.base_url, api_key=SecretStr("sk-test"), model="fake-model", max_retries=0)
    changes = {
        "hosted": hosted,
        "router": RouterSettings(route="hosted-only"),
        "slack": _slack_settings(slack),
        "ingest": settings.ingest.model_copy(update={"allow_hosts": ["127.0.0.1"]}),
        "policy": settings.policy.model_copy(
            update={
                "roles": {TEAM: {"slack:UCOMP": "compliance"}},
                "permissions": {**settings.policy.permissions, "guest": []},  # Slack guests may not ask here
            }
        ),
    }
    return Steward(settings.model_copy(update=changes), handbook.database)  # shares the session's database


@pytest.fixture(scope="module")
def base(app: Steward) -> Iterator[str]:
    slack_app = build_slack_app(app.chat, app.settings.slack)
    with Uvicorn(make_http_app([slack_router(slack_app)], ready=lambda: True)) as url:
        yield url


# ---- signed requests ---------------------------------------------------------------------------------


def _post(base: str, body: str, content_type: str, **headers: str) -> httpx.Response:
    ts = headers.pop("timestamp", str(int(time.time())))
    signature = headers.pop("signature", SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body))
    sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}
    return httpx.post(f"{base}/slack/events", content=body, headers={**sent, **headers}, timeout=10)


def _event_body(event: dict[str, Any], team: str = TEAM, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": team,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}],
        "event": event,
    }


def send_event(
    base: str, event: dict[str, Any], team: str = TEAM, event_id: str | None = None, retry: int = 0
) -> httpx.Response:
    """An Events API delivery; ``retry`` > 0 marks it as Slack's n-th retry of the same event."""
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
    return _post(base, json.dumps(_event_body(event, team, event_id)), "application/json", **headers)


def send_command(base: str, slack: FakeSlack, text_: str, user: str = "U1", team: str = TEAM) -> tuple[Any, str]:
    """``/steward <text>``: returns the ack (JSON or text) and the command's response_url path."""
    response_path = f"/response/{uuid.uuid4().hex[:8]}"
    form = {
        "token": "legacy",
        "team_id": team,
        "team_domain": "acme",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/steward",
        "text": text_,
        "api_app_id": "A1",
        "response_url": slack.url + response_path,
        "trigger_id": "1.2.3",
    }
    response = _post(base, urlencode(form), "application/x-www-form-urlencoded")
    assert response.status_code == 200, response.text
    return (response.json() if response.content else None), response_path


def send_interaction(base: str, payload: dict[str, Any]) -> httpx.Response:
    return _post(base, urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


_ts = itertools.count(100)


def next_ts() -> str:
    return f"1710000000.{next(_ts):06d}"


# ---- helpers over the fake's records ----------------------------------------------------------------


def response_to(slack: FakeSlack, path: str, timeout: float = 30) -> dict[str, Any]:
    """The first response_url post of a command, waited for."""
    return slack.wait_for(lambda: next(iter(slack.calls_to("response_url", path=path)), None), timeout).params


def posted(slack: FakeSlack, channel: str, thread_ts: str | None, timeout: float = 30) -> Call:
    """The first chat.postMessage in ``channel`` and thread (None: not in a thread), waited for."""

    def find() -> Call | None:
        calls = slack.calls_to("chat.postMessage", channel=channel)
        return next((c for c in calls if c.reply.get("ok") and c.params.get("thread_ts") == thread_ts), None)

    return slack.wait_for(find, timeout)


def final_update(slack: FakeSlack, channel: str, ts: str, timeout: float = 30) -> Call:
    """The chat.update with blocks (the finished answer) of the message ``ts``."""

    def find() -> Call | None:
        return next((c for c in slack.calls_to("chat.update", channel=channel, ts=ts) if c.params.get("blocks")), None)

    return slack.wait_for(find, timeout)


def answer_in(slack: FakeSlack, channel: str, thread_ts: str | None) -> tuple[Call, Call]:
    """The placeholder Steward posted and the final update that turned it into the answer."""
    post = posted(slack, channel, thread_ts)
    return post, final_update(slack, channel, post.reply["ts"])


def button_value(update: Call, action_id: str) -> str:
    [actions] = [b for b in update.params["blocks"] if b["type"] == "actions"]
    [button] = [e for e in actions["elements"] if e["action_id"] == action_id]
    return str(button["value"])


def rows(app: Steward, sql: str, **params: Any) -> list[Any]:
    with app.database.engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def mention(user: str = "U1", channel: str = "C1", question: str = QUESTION) -> dict[str, Any]:
    ts = next_ts()
    return {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {question}", "ts": ts, "channel": channel}


def dm(user: str, text_: str = QUESTION, **extra: Any) -> dict[str, Any]:
    ts = next_ts()
    return {
        "type": "message",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": text_,
        "ts": ts,
        **extra,
    }


# ---- tests ---------------------------------------------------------------------------------------------


def test_forged_and_stale_signatures_are_refused(base: str) -> None:
    body = json.dumps(_event_body(mention()))
    assert _post(base, body, "application/json", signature="v0=" + "0" * 64).status_code == 401
    stale = str(int(time.time()) - 6 * 60)
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stale, body=body)
    assert _post(base, body, "application/json", timestamp=stale, signature=signature).status_code == 401
    challenge = _post(base, json.dumps({"type": "url_verification", "challenge": "xyz"}), "application/json")
    assert challenge.status_code == 200 and "xyz" in challenge.text


def test_a_mention_streams_the_answer_into_its_thread(base: str, slack: FakeSlack, model: FakeOpenAI) -> None:
    streamed = f"{GROUNDED} This is a daily cap, not a per diem; only what you actually spend is reimbursed. " * 2
    model.script(Behaviour(text=streamed.strip(), token_delay_s=0.05))  # edited in one checked sentence at a time
    event = mention(channel="C-stream")
    started = time.monotonic()
    assert send_event(base, event).status_code == 200
    assert time.monotonic() - started < 3  # acked at once; the answer follows
    post, final = answer_in(slack, "C-stream", event["ts"])
    assert slack.calls_to("reactions.add", channel="C-stream", timestamp=event["ts"], name="eyes")
    updates = slack.calls_to("chat.update", channel="C-stream", ts=post.reply["ts"])
    assert len(updates) >= 3 and updates[-1] is final  # streamed, then finished
    gaps = [b.at - a.at for a, b in zip([post, *updates], updates, strict=False)]
    assert min(gaps) >= INTERVAL, gaps
    assert updates[0].params["text"].endswith("▌") and streamed.startswith(updates[0].params["text"][:-2].strip())
    blocks = final.params["blocks"]
    assert "75 EUR per day" in blocks[0]["text"]["text"]
    [sources] = [b for b in blocks if b["type"] == "context"]
    assert sources["elements"][0]["text"].startswith("[1] ") and "<" not in sources["elements"][0]["text"]  # a file
    assert uuid.UUID(button_value(final, "steward_vote_up")) == uuid.UUID(button_value(final, "steward_vote_down"))
    slack.wait_for(lambda: slack.calls_to("reactions.remove", channel="C-stream", timestamp=event["ts"]))


def test_a_follow_up_in_the_thread_needs_no_mention(base: str, slack: FakeSlack, model: FakeOpenAI) -> None:
    event = mention(channel="C-thread")
    send_event(base, event)
    answer_in(slack, "C-thread", event["ts"])
    unknown = {"type": "message", "channel_type": "channel", "channel": "C-thread", "user": "U1", "text": "and?"}
    send_event(base, {**unknown, "ts": next_ts(), "thread_ts": "1600000000.000001"})  # a thread Steward is not in
    follow = {**unknown, "text": "does that include drinks?", "ts": next_ts(), "thread_ts": event["ts"]}
    send_event(base, follow)
    slack.wait_for(lambda: len(slack.calls_to("chat.postMessage", channel="C-thread")) == 2)
    _, final = answer_in(slack, "C-thread", event["ts"])
    later = [c for c in slack.calls_to("chat.postMessage", channel="C-thread")]
    assert [c.params.get("thread_ts") for c in later] == [event["ts"], event["ts"]]
    final_update(slack, "C-thread", later[1].reply["ts"])
    assert slack.calls_to("reactions.add", timestamp=follow["ts"])
    assert not slack.calls_to("reactions.add", channel="C-thread", timestamp="1600000000.000001")
    assert final.params["blocks"]
    [asked] = [r.body for r in model.requests if "does that include drinks?" in json.dumps(r.body)]
    assert QUESTION in json.dumps(asked)  # the thread's earlier exchange went along as context


def test_a_dm_is_answered_through_a_rate_limit_and_bots_are_ignored(base: str, slack: FakeSlack) -> None:
    slack.fail_once("chat.postMessage", retry_after=1)
    event = dm("UDM")
    send_event(base, event)
    post, final = answer_in(slack, "DUDM", None)
    tries = slack.calls_to("chat.postMessage", channel="DUDM")
    assert tries[0].reply["error"] == "ratelimited" and tries[1] is post
    assert post.at - tries[0].at >= 1.0  # Retry-After was honoured
    assert "75 EUR" in final.params["blocks"][0]["text"]["text"]
    for other in (
        {**dm("UBOTDM"), "user": BOT_USER, "bot_id": BOT_ID},  # Steward itself
        {**dm("UBOTDM"), "bot_id": "B-other", "subtype": "bot_message"},  # another bot
        {**dm("UBOTDM"), "subtype": "message_changed"},  # an edit
    ):
        assert send_event(base, other).status_code == 200
    time.sleep(1.0)
    assert not slack.calls_to("chat.postMessage", channel="DUBOTDM")


def test_a_guest_refusal_is_plain_text_without_buttons(base: str, slack: FakeSlack) -> None:
    for _ in range(2):
        send_event(base, dm("UGUEST"))
    slack.wait_for(lambda: len(slack.calls_to("chat.postMessage", channel="DUGUEST")) == 2)
    finals = [
        final_update(slack, "DUGUEST", c.reply["ts"]) for c in slack.calls_to("chat.postMessage", channel="DUGUEST")
    ]
    for final in finals:
        assert [b["type"] for b in final.params["blocks"]] == ["section"]
        assert "guest" in final.params["text"]
    assert len(slack.calls_to("users.info", user="UGUEST")) == 1  # cached


def test_citations_link_web_sources_and_name_files() -> None:
    web = Citation(1, "https://wiki.example.com/a|b", "Travel <policy>", "c1", 0.9, "Meals")
    assert citation_line(web) == "[1] <https://wiki.example.com/a%7Cb|Travel &lt;policy&gt;> › Meals"
    assert citation_line(Citation(2, "/docs/travel.md", "Travel", "c2", 0.8)) == "[2] Travel"


def test_a_retried_event_is_answered_once(base: str, slack: FakeSlack) -> None:
    event, event_id = mention(channel="C-retry"), f"Ev{uuid.uuid4().hex[:10]}"
    statuses = [send_event(base, event, event_id=event_id, retry=n).status_code for n in range(3)]
    assert statuses == [200, 200, 200]
    answer_in(slack, "C-retry", event["ts"])
    time.sleep(0.5)
    assert len(slack.calls_to("chat.postMessage", channel="C-retry")) == 1
    assert len(slack.calls_to("reactions.add", channel="C-retry")) == 1


def test_slash_commands_help_ask_sources_and_forget_me(base: str, slack: FakeSlack) -> None:
    ack, _ = send_command(base, slack, "help")
    assert "Steward" in ack["text"] and "audit-export" in ack["text"]
    ack, _ = send_command(base, slack, "frobnicate")
    assert "Unknown command" in ack["text"]
    for wrong in ("ask", "ingest /etc/passwd", "ingest https://example.com ../x", "audit-export yesterday"):
        ack, path = send_command(base, slack, wrong, user="UADMIN")
        assert ack["text"].startswith("Usage"), wrong
    ack, path = send_command(base, slack, f"ask {QUESTION}", user="UASK")
    assert ack["response_type"] == "ephemeral"
    answered = response_to(slack, path)
    assert answered["response_type"] == "ephemeral" and "75 EUR" in answered["blocks"][0]["text"]["text"]
    assert any(b["type"] == "actions" for b in answered["blocks"])
    _, path = send_command(base, slack, "sources")
    listed = response_to(slack, path)["blocks"][0]["text"]["text"]
    assert "This channel searches" in listed and "_(handbook)_" in listed
    _, path = send_command(base, slack, "forget-me", user="UASK")
    assert response_to(slack, path)["text"].startswith("🧹 Done. Erased")


def test_audit_export_is_uploaded_to_the_requesters_dm(base: str, slack: FakeSlack) -> None:
    _, path = send_command(base, slack, "audit-export 7d", user="UMEMBER")
    assert response_to(slack, path)["text"].startswith("🚫")  # members may not export
    _, path = send_command(base, slack, "audit-export 7d", user="UCOMP")
    assert "audit events to your DM" in response_to(slack, path)["text"]
    [opened] = slack.calls_to("conversations.open", users="UCOMP")
    [done] = slack.calls_to("files.completeUploadExternal", channel_id="DUCOMP")
    titles = [f["title"] for f in json.loads(done.params["files"])]
    assert len(titles) == 2 and titles[0].endswith(".jsonl") and titles[1].endswith(".manifest.json")
    uploads = [
        c
        for c in slack.calls_to("upload")
        if c.path.rsplit("/", 1)[-1] in {f["id"] for f in json.loads(done.params["files"])}
    ]
    assert len(uploads) == 2 and b'"kind"' in uploads[0].params["data"]
    assert opened.at < done.at


def test_ingest_is_for_admins_with_a_progress_message(base: str, slack: FakeSlack, app: Steward) -> None:
    url = slack.serve("/docs/plants.html", PAGE, "text/html", delay_s=1.0)
    denied_before = _denials(app, OTHER_TEAM)
    _, path = send_command(base, slack, f"ingest {url} plants", user="U1", team=OTHER_TEAM)
    assert response_to(slack, path)["text"].startswith("🚫")
    assert _denials(app, OTHER_TEAM) == denied_before + 1  # refused and audited
    assert not [c for c in slack.calls_to("chat.postMessage", channel="C1") if "Ingesting" in c.params["text"]]
    ack, path = send_command(base, slack, f"ingest <{url}> plants", user="UADMIN", team=OTHER_TEAM)
    assert ack["text"].startswith("⏳")
    progress = slack.wait_for(
        lambda: [c for c in slack.calls_to("chat.postMessage", channel="C1") if "Ingesting" in c.params["text"]]
    )[0]
    done = slack.wait_for(
        lambda: [c for c in slack.calls_to("chat.update", ts=progress.reply["ts"]) if "✅" in c.params["text"]]
    )[0]
    assert "into `plants`: 1 added" in done.params["text"]
    assert rows(app, "select 1 from documents where tenant_id = :t and source = :s", t=OTHER_TEAM, s=url)


def _denials(app: Steward, tenant: str) -> int:
    sql = (
        "select count(*) from audit_events where tenant_id = :t"
        " and kind = 'policy_denied' and payload->>'action' = 'ingest'"
    )
    return int(rows(app, sql, t=tenant)[0][0])


def test_files_shared_in_a_dm_are_ingested_for_admins_only(base: str, slack: FakeSlack, app: Steward) -> None:
    note = b"# Parking\n\nVisitors park in bay 7 behind the main building.\n"
    url = slack.serve("/files/F1/parking.md", note, "text/markdown")
    file = {"id": "F1", "name": "parking.md", "size": len(note), "url_private_download": url}
    member = dm("UFILE", "", subtype="file_share", files=[file])
    send_event(base, member, team=OTHER_TEAM)
    refused = slack.wait_for(lambda: slack.calls_to("chat.postMessage", channel="DUFILE"))[0]
    assert refused.params["text"].startswith("🚫") and refused.params["thread_ts"] == member["ts"]
    admin = dm("UADMIN", "", subtype="file_share", files=[file])
    send_event(base, admin, team=OTHER_TEAM)
    summary = slack.wait_for(
        lambda: [c for c in slack.calls_to("chat.postMessage", channel="DUADMIN") if "✅" in c.params["text"]]
    )[0]
    assert "1 added" in summary.params["text"] and summary.params["thread_ts"] == admin["ts"]
    downloads = [c for c in slack.calls_to("download") if c.path == "/files/F1/parking.md"]
    assert len(downloads) == 2 and all(c.headers.get("Authorization") == "Bearer xoxb-test" for c in downloads)


def test_feedback_buttons_and_the_reason_modal(base: str, slack: FakeSlack, app: Steward) -> None:
    send_event(base, dm("UVOTE"))
    _, final = answer_in(slack, "DUVOTE", None)
    answer_id = button_value(final, "steward_vote_up")
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": "UVOTE", "team_id": TEAM},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "trigger-1",
        "channel": {"id": "DUVOTE"},
        "container": {"type": "message", "channel_id": "DUVOTE", "message_ts": final.params["ts"]},
        "response_url": f"{slack.url}/response/vote",
        "actions": [
            {"type": "button", "block_id": "steward_feedback", "action_id": "steward_vote_up", "value": answer_id}
        ],
    }
    assert send_interaction(base, payload).status_code == 200
    thanks = response_to(slack, "/response/vote")
    assert thanks["text"].startswith("Thanks") and thanks["replace_original"] is False
    vote_sql = "select rating, comment from feedback where answer_id = :a and platform = 'slack' and user_id = 'UVOTE'"
    assert slack.wait_for(lambda: rows(app, vote_sql, a=answer_id)) == [(1, "")]
    down = {
        **payload,
        "trigger_id": "trigger-2",
        "actions": [{**payload["actions"][0], "action_id": "steward_vote_down"}],
    }
    assert send_interaction(base, down).status_code == 200
    [opened] = slack.wait_for(lambda: slack.calls_to("views.open", trigger_id="trigger-2"))
    view = opened.params["view"]
    assert (
        view["callback_id"] == "steward_feedback_reason"
        and json.loads(view["private_metadata"])["answer_id"] == answer_id
    )
    slack.wait_for(lambda: rows(app, vote_sql, a=answer_id) == [(-1, "")])
    submitted = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": "UVOTE", "team_id": TEAM},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "trigger-3",
        "view": {
            **view,
            "id": "V1",
            "team_id": TEAM,
            "state": {
                "values": {"reason": {"reason": {"type": "plain_text_input", "value": "It ignored the hotel part."}}}
            },
        },
    }
    response = send_interaction(base, submitted)
    assert response.status_code == 200 and not response.content  # an empty ack closes the modal
    assert slack.wait_for(lambda: rows(app, vote_sql, a=answer_id) == [(-1, "It ignored the hotel part.")])


def regenerate_click(user: str, final: Call, thread_ts: str, response_url: str) -> dict[str, Any]:
    """The block_actions payload Slack sends when ``user`` clicks 🔄 on the answer ``final`` in ``thread_ts``."""
    channel, ts = final.params["channel"], final.params["ts"]
    answer_id = button_value(final, "steward_regenerate")
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": f"trigger-{uuid.uuid4().hex[:6]}",
        "channel": {"id": channel},
        "container": {
            "type": "message",
            "channel_id": channel,
            "message_ts": ts,
            "thread_ts": thread_ts,
            "is_ephemeral": False,
        },
        "message": {"type": "message", "user": BOT_USER, "ts": ts, "thread_ts": thread_ts, "text": "answer"},
        "response_url": response_url,
        "actions": [
            {"type": "button", "block_id": "steward_feedback", "action_id": "steward_regenerate", "value": answer_id}
        ],
    }


def test_regenerate_posts_a_new_answer_in_the_same_thread(base: str, slack: FakeSlack, app: Steward) -> None:
    event = mention(user="UREGEN", channel="C-regen")
    send_event(base, event)
    _, final = answer_in(slack, "C-regen", event["ts"])
    old_id = button_value(final, "steward_regenerate")
    assert old_id == button_value(final, "steward_vote_up")
    click = regenerate_click("UREGEN", final, event["ts"], f"{slack.url}/response/regen")
    started = time.monotonic()
    assert send_interaction(base, click).status_code == 200
    assert time.monotonic() - started < 3  # acked at once; the new answer follows

    def regenerated() -> Call | None:
        calls = slack.calls_to("chat.postMessage", channel="C-regen", thread_ts=event["ts"])
        return next((c for c in calls if c.params.get("blocks")), None)

    blocks = slack.wait_for(regenerated).params["blocks"]
    assert "75 EUR per day" in blocks[0]["text"]["text"] and any(b["type"] == "context" for b in blocks)
    [actions] = [b for b in blocks if b["type"] == "actions"]
    buttons = ["steward_vote_up", "steward_vote_down", "steward_regenerate"]
    assert [e["action_id"] for e in actions["elements"]] == buttons
    new_ids = {e["value"] for e in actions["elements"]}
    assert len(new_ids) == 1 and old_id not in new_ids
    [new_id] = new_ids
    [(regenerated_from,)] = rows(app, "select regenerated_from from answers where id = :i", i=uuid.UUID(new_id))
    assert str(regenerated_from) == old_id
    assert slack.calls_to("reactions.add", channel="C-regen", timestamp=final.params["ts"])  # 👀 while regenerating
    gone = {**click, "response_url": f"{slack.url}/response/regen-gone"}
    gone["actions"] = [{**click["actions"][0], "value": str(uuid.uuid4())}]
    assert send_interaction(base, gone).status_code == 200
    told = response_to(slack, "/response/regen-gone")
    assert told["response_type"] == "ephemeral" and "no longer exists" in told["text"]


def test_socket_mode_connects_through_the_api_url_and_acks_envelopes(app: Steward, slack: FakeSlack) -> None:
    settings = _slack_settings(slack, app_token=SecretStr("xapp-test"))

    async def scenario(server: FakeSocketMode) -> None:
        slack_app = build_slack_app(app.chat, settings)
        task = asyncio.create_task(run_socket_mode(slack_app, settings))
        assert await asyncio.to_thread(server.connected.wait, 15)
        event = mention(channel="C-socket")
        server.send(
            {
                "envelope_id": "env-1",
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
                "payload": _event_body(event),
            }
        )
        command = {
            "team_id": TEAM,
            "channel_id": "C-socket",
            "user_id": "U1",
            "command": "/steward",
            "text": "help",
            "response_url": f"{slack.url}/response/socket",
            "trigger_id": "t",
        }
        server.send(
            {"envelope_id": "env-2", "type": "slash_commands", "accepts_response_payload": True, "payload": command}
        )
        _, final = await asyncio.to_thread(answer_in, slack, "C-socket", event["ts"])
        assert server.acked_at["env-1"] < final.at - 0.5  # acked at once, answered later
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with FakeSocketMode() as server:
        slack.socket_url = server.url
        asyncio.run(scenario(server))
        assert server.acked("env-1") == {"envelope_id": "env-1"}
        help_ack = server.acked("env-2")
        assert help_ack is not None and "audit-export" in help_ack["payload"]["text"]
    [opened] = slack.calls_to("apps.connections.open")
    assert opened.headers.get("Authorization") == "Bearer xapp-test"


METHOD_SCOPES = {  # every Web API method Steward calls, and the bot scope it needs (None: no scope)
    "auth.test": None,
    "apps.connections.open": None,  # app-level token (connections:write), not a bot scope
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "reactions.add": "reactions:write",
    "reactions.remove": "reactions:write",
    "users.info": "users:read",
    "conversations.open": "im:write",
    "views.open": None,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
}


def test_the_manifest_lists_exactly_what_the_app_uses(slack: FakeSlack) -> None:
    manifest = yaml.safe_load((REPO / "deploy" / "slack" / "manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    [command] = manifest["features"]["slash_commands"]
    called = {c.method for c in slack.calls if c.method not in ("upload", "response_url", "download")}
    assert called <= set(METHOD_SCOPES), called - set(METHOD_SCOPES)
    assert {METHOD_SCOPES[m] for m in called} - {None} <= scopes
    needed = {s for s in METHOD_SCOPES.values() if s} | {EVENT_SCOPES[e] for e in events} | {"commands", "files:read"}
    assert scopes == needed
    assert set(events) == set(EVENT_SCOPES) and command["command"] == COMMAND
    urls = [command["url"], manifest["settings"]["event_subscriptions"]["request_url"]]
    assert all(u.endswith(EVENTS_PATH) for u in [*urls, manifest["settings"]["interactivity"]["request_url"]])
