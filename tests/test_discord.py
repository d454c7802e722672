"""The Discord bot end to end, against a local fake Discord (real websocket and HTTP on 127.0.0.1).

Nothing in Steward is patched: the bot is built by ``make_bot`` from ``DiscordSettings`` that point
discord.py at the fake, and answers come from the real pipeline over the handbook (ingested for the
fake guild's tenant) with the hosted model served by ``tests/fake_openai.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from typer.testing import CliRunner

from agents.config import HostedSettings, RouterSettings
from bot.container import Steward
from bot.discord.bot import StewardBot
from bot.discord.cli import discord_app
from bot.discord.run import make_bot, sync_commands
from bot.settings import DiscordSettings, Settings
from governance.policy.config import DEFAULT_PERMISSIONS, PolicySettings
from tests.conftest import HANDBOOK
from tests.fake_discord import Call, FakeDiscord
from tests.fake_openai import Behaviour, FakeOpenAI

GROUNDED = "Meal expenses while travelling for work are capped at 75 EUR per day, including drinks and tips. [1]"
QUESTION = "how much can I spend on food per day on a business trip?"
INTERVAL = 0.3
# The guild (the tenant) is the same in every test, so the handbook is ingested for it once.
GUILD_ID = 1_234_567_890_123_456_789
COMPLIANCE_USER = 1_234_567_890_000_000_001
GUEST_USER = 1_234_567_890_000_000_002  # a role that may not even ask


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default=Behaviour(text=GROUNDED, token_delay_s=0.01)) as server:
        yield server


@pytest.fixture(scope="module")
def app(handbook: Steward, settings: Settings, model: FakeOpenAI) -> Steward:
    """Steward with the hosted fake model, the handbook in the guild's tenant, and one compliance officer."""
    hosted = HostedSettings(base_url=model.base_url, api_key=SecretStr("sk-test"), model="fake-model", max_retries=0)
    roles = {f"discord:{COMPLIANCE_USER}": "compliance", f"discord:{GUEST_USER}": "guest"}
    policy = PolicySettings(roles={str(GUILD_ID): roles}, permissions={**DEFAULT_PERMISSIONS, "guest": []})
    changes = {"hosted": hosted, "router": RouterSettings(route="hosted-only"), "policy": policy}
    steward = Steward(settings.model_copy(update=changes), handbook.database)
    pages = [HANDBOOK / name for name in ("travel-policy.md", "passwords-and-mfa.md", "expenses-and-reimbursement.md")]
    report = steward.ingestor.ingest(pages, str(GUILD_ID), "handbook")
    assert not report.failed
    return steward


def _discord_settings(fake: FakeDiscord, **changes: Any) -> DiscordSettings:
    return DiscordSettings(
        bot_token=SecretStr("fake-token"),
        api_url=fake.api_url,
        gateway_url=fake.gateway_url,
        admin_roles=["Steward Admins"],
        stream_interval_s=INTERVAL,
        **changes,
    )


@contextlib.asynccontextmanager
async def _running(app: Steward, fake: FakeDiscord, **changes: Any) -> AsyncIterator[StewardBot]:
    """A bot built by ``make_bot``, connected to the fake and ready; closed on exit."""
    settings = _discord_settings(fake, **changes)
    bot = make_bot(app.chat, settings, guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start("fake-token"))
    deadline = time.monotonic() + 15
    while not bot.is_ready():
        if task.done():
            task.result()
        assert time.monotonic() < deadline, "the bot did not become ready"
        await asyncio.sleep(0.02)
    try:
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _scenario(body: Callable[[FakeDiscord], Awaitable[None]]) -> None:
    async def run() -> None:
        fake = FakeDiscord(guild_id=GUILD_ID)
        await fake.start()
        try:
            await body(fake)
        finally:
            await fake.stop()

    asyncio.run(run())


def _posted(channel_id: int) -> Callable[[Call], bool]:
    return lambda c: c.method == "POST" and c.path == f"/channels/{channel_id}/messages"


def _custom_ids(message: dict[str, Any]) -> list[str]:
    return [item["custom_id"] for row in message["components"] for item in row["components"]]


async def _answered(fake: FakeDiscord, channel_id: int, after: int = 0) -> dict[str, Any]:
    """Wait for the bot's finished answer in a channel: the message that carries the feedback buttons."""

    def done(call: Call) -> bool:
        if not call.path.startswith(f"/channels/{channel_id}/messages") or not call.body:
            return False
        stored = call.method == "PATCH" or (call.method == "POST" and "_id" in call.body)  # not a 429'd POST
        return stored and bool(call.body.get("components"))

    call = await fake.wait_for(done, after=after)
    message_id = call.body.get("_id") or int(call.path.rsplit("/", 1)[1])
    return fake.messages[message_id]


def test_a_mention_is_answered_with_citations_and_feedback_buttons(app: Steward) -> None:
    async def body(fake: FakeDiscord) -> None:
        alice = fake.person("alice")
        robot = fake.user("robot", bot=True)
        fake.rate_limit("POST", f"/channels/{fake.channel_id}/messages", retry_after=0.3)
        async with _running(app, fake):
            await fake.say(alice, "nobody asked Steward anything here")
            await fake.say(robot, QUESTION, mention=True)  # other bots are not answered
            question = await fake.say(alice, QUESTION, mention=True)
            answer = await _answered(fake, fake.channel_id)
            mark = len(fake.calls)
            await fake.say(alice, "", mention=True)  # a bare mention: the pipeline's reason is shown
            empty = await fake.wait_for(_posted(fake.channel_id), after=mark)
        assert empty.body["content"] == "Sorry: the question is empty: type a question."
        assert "75 EUR per day" in answer["content"]
        assert "**Sources**" in answer["content"] and "`[1]` Expenses and Reimbursement" in answer["content"]
        assert str(answer["message_reference"]["message_id"]) == question["id"]
        up, down, regenerate = _custom_ids(answer)
        assert re.fullmatch(r"steward:fb:up:[0-9a-f-]{36}", up) and down == up.replace(":up:", ":down:")
        assert regenerate == up.replace(":fb:up:", ":regen:")
        typing = fake.find("POST", f"/channels/{fake.channel_id}/typing")
        limited, posted, _ = fake.find("POST", f"/channels/{fake.channel_id}/messages")  # a 429, the retry, "empty"
        assert typing and typing[0].at <= limited.at and posted.at - limited.at >= 0.3
        assert len(fake.bot_messages(fake.channel_id)) == 2  # the answer and the refusal; nothing else

    _scenario(body)


def test_a_dm_is_answered_for_the_guild_the_user_is_in(app: Steward) -> None:
    async def body(fake: FakeDiscord) -> None:
        alice = fake.person("alice")
        stranger = fake.person("stranger", member=False)
        async with _running(app, fake):
            dm = fake.dm_channel(alice)
            await fake.say(alice, QUESTION, channel_id=dm)
            answer = await _answered(fake, dm)
            mark = len(fake.calls)
            shared = [fake.attachment("notes.md", b"# Notes\n\nNothing to see.\n")]
            await fake.say(alice, "", channel_id=dm, attachments=shared)  # a file sent to Steward is ingested
            refusal = await fake.wait_for(_posted(dm), after=mark)
            elsewhere = fake.dm_channel(stranger)
            await fake.say(stranger, QUESTION, channel_id=elsewhere)
            notice = await fake.wait_for(_posted(elsewhere))
        assert "75 EUR per day" in answer["content"] and "`[1]` Expenses and Reimbursement" in answer["content"]
        assert fake.find("GET", f"/guilds/{GUILD_ID}/members/{alice['id']}")  # membership decides the tenant
        assert "members of the one server" in notice.body["content"]
        assert refusal.body["content"] == "Sorry: your role (member) may not ingest here."  # admins only

    _scenario(body)


def test_a_follow_up_in_its_thread_needs_no_mention(app: Steward, model: FakeOpenAI) -> None:
    async def body(fake: FakeDiscord) -> None:
        alice = fake.person("alice")
        other_thread = fake.thread("not Steward's")
        async with _running(app, fake, thread_per_question=True):
            await fake.say(alice, QUESTION, mention=True)
            created = await fake.wait_for(lambda c: c.method == "POST" and c.path.endswith("/threads"))
            [thread_id] = fake.threads_created
            await _answered(fake, thread_id)
            await fake.say(alice, "just chatting in another thread", channel_id=other_thread)
            mark = len(fake.calls)
            await fake.say(alice, "and what about drinks, are they included?", channel_id=thread_id)
            follow_up = await _answered(fake, thread_id, after=mark)
        assert created.body["name"].startswith("how much can I spend")
        assert "75 EUR per day" in follow_up["content"]
        prompt = json.dumps(model.requests[-1].body["messages"])
        assert QUESTION in prompt  # the thread's earlier exchange is the follow-up's context
        assert not fake.bot_messages(other_thread) and not fake.bot_messages(fake.channel_id)
        assert len(fake.bot_messages(thread_id)) == 2  # its own (echoed) messages in the thread are not answered

    _scenario(body)


def test_streamed_edits_are_throttled_and_a_long_answer_is_split(app: Steward, model: FakeOpenAI) -> None:
    long_answer = " ".join([GROUNDED] * 30)
    model.script(Behaviour(text=long_answer, token_delay_s=0.004))

    async def body(fake: FakeDiscord) -> None:
        alice = fake.person("alice")
        async with _running(app, fake):
            await fake.say(alice, QUESTION, mention=True)
            last = await _answered(fake, fake.channel_id)
        messages = fake.bot_messages(fake.channel_id)
        assert len(messages) >= 2 and messages[-1]["id"] == last["id"]
        assert all(len(m["content"]) <= 2000 for m in messages)
        assert "\n".join(m["content"] for m in messages).count("75 EUR per day") == 30
        assert "**Sources**" in last["content"] and _custom_ids(last)
        writes = fake.writes_to(int(messages[0]["id"]))
        assert len(writes) >= 4  # posted, edited while streaming, finished
        assert all(len((w.body or {}).get("content") or "") <= 2000 for w in writes)
        gaps = [b.at - a.at for a, b in itertools.pairwise(writes)]
        assert min(gaps) >= INTERVAL - 0.02, gaps

    _scenario(body)


def _feedback(app: Steward, answer_id: str) -> list[Any]:
    sql = "select user_id, rating, comment, platform from feedback where answer_id = :a order by rating desc"
    with app.database.engine.connect() as conn:
        return list(conn.execute(text(sql), {"a": answer_id}).all())


def test_feedback_buttons_still_work_after_a_restart(app: Steward) -> None:
    async def body(fake: FakeDiscord) -> None:
        alice, bob = fake.person("alice"), fake.person("bob")
        async with _running(app, fake):
            await fake.say(alice, QUESTION, mention=True)
            answer = await _answered(fake, fake.channel_id)
        up, down, _ = _custom_ids(answer)
        async with _running(app, fake):  # a new process: only the stored message knows the buttons
            mark = len(fake.calls)
            await fake.click(alice, answer, up)
            thanks = await fake.wait_for(lambda c: c.path.endswith("/callback"), after=mark)
            mark = len(fake.calls)
            await fake.click(bob, answer, down)
            modal = await fake.wait_for(lambda c: c.path.endswith("/callback"), after=mark)
            assert modal.body["type"] == 9, modal.body
            form = modal.body["data"]
            field = _text_inputs(form["components"])[0]
            mark = len(fake.calls)
            await fake.submit(bob, form, {field: "outdated, ask jane.doe@example.com"})
            done = await fake.wait_for(lambda c: c.path.endswith("/callback"), after=mark)
        assert thanks.body["type"] == 4 and thanks.body["data"]["flags"] & 64
        assert "Thanks" in done.body["data"]["content"]
        answer_id = up.rsplit(":", 1)[1]
        votes = _feedback(app, answer_id)
        assert [(v.user_id, v.rating, v.platform) for v in votes] == [
            (alice["id"], 1, "discord"),
            (bob["id"], -1, "discord"),
        ]
        assert votes[1].comment.startswith("outdated") and "jane.doe@example.com" not in votes[1].comment

    _scenario(body)


def _regenerated_from(app: Steward, answer_id: str) -> Any:
    with app.database.engine.connect() as conn:
        sql = "select regenerated_from from answers where id = :a"
        return conn.execute(text(sql), {"a": answer_id}).scalar_one()


def test_regenerate_posts_a_new_answer_that_remembers_the_old_one(app: Steward) -> None:
    async def body(fake: FakeDiscord) -> None:
        alice, bob = fake.person("alice"), fake.person("bob")
        async with _running(app, fake):
            await fake.say(alice, QUESTION, mention=True)
            answer = await _answered(fake, fake.channel_id)
        *_, regenerate = _custom_ids(answer)
        async with _running(app, fake):  # a new process: only the stored message knows the buttons
            mark = len(fake.calls)
            click = await fake.click(bob, answer, regenerate)
            again = await _answered(fake, fake.channel_id, after=mark)
            deferred = await fake.wait_for(lambda c: c.path.endswith(f"/{click['token']}/callback"))
            old_id, stranger = regenerate.rsplit(":", 1)[1], str(uuid.uuid4())  # no such answer in this tenant
            stale = json.loads(json.dumps(answer).replace(old_id, stranger))
            token = (await fake.click(bob, stale, f"steward:regen:{stranger}"))["token"]
            gone = await fake.wait_for(lambda c: c.method == "POST" and c.path == f"/webhooks/{fake.app_id}/{token}")
        assert deferred.body["type"] == 6 and deferred.at < fake.writes_to(int(again["id"]))[0].at  # acked first
        new_id = _custom_ids(again)[-1].rsplit(":", 1)[1]
        assert new_id != old_id and _custom_ids(again) == [
            f"steward:fb:up:{new_id}",
            f"steward:fb:down:{new_id}",
            f"steward:regen:{new_id}",
        ]
        assert "75 EUR per day" in again["content"] and "`[1]` Expenses and Reimbursement" in again["content"]
        assert str(again["message_reference"]["message_id"]) == answer["id"]  # under the answer it replaces
        assert str(_regenerated_from(app, new_id)) == old_id and _regenerated_from(app, old_id) is None
        assert gone.body["flags"] & 64 and "no longer available" in gone.body["content"]

    _scenario(body)


def _text_inputs(components: list[dict[str, Any]]) -> list[str]:
    found = []
    for row in components:
        for item in [*row.get("components", []), row.get("component") or {}]:
            if item.get("type") == 4:
                found.append(item["custom_id"])
    return found


async def _interaction_reply(fake: FakeDiscord, interaction: dict[str, Any]) -> tuple[Call, Call | None]:
    """The callback of an interaction, and its first follow-up when the callback was a deferral."""
    token = interaction["token"]
    callback = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback"))
    if callback.body["type"] != 5:
        return callback, None
    follow_up = await fake.wait_for(lambda c: c.method == "POST" and c.path == f"/webhooks/{fake.app_id}/{token}")
    return callback, follow_up


def test_app_commands_ask_sources_help_and_forget_me(app: Steward) -> None:
    async def body(fake: FakeDiscord) -> None:
        carol = fake.person("carol")
        guest = fake.person("guest", ident=GUEST_USER)
        async with _running(app, fake):
            ask = await fake.command(carol, "ask", {"question": QUESTION})
            deferred, answer = await _interaction_reply(fake, ask)
            sources = await _interaction_reply(fake, await fake.command(carol, "sources"))
            helped, _ = await _interaction_reply(fake, await fake.command(carol, "help"))
            forgot = await _interaction_reply(fake, await fake.command(carol, "forget-me"))
            _, denied = await _interaction_reply(fake, await fake.command(guest, "ask", {"question": QUESTION}))
            _, hidden = await _interaction_reply(fake, await fake.command(guest, "sources"))
        assert deferred.body["type"] == 5 and deferred.body["data"]["flags"] & 64  # deferred, privately
        assert answer is not None and answer.at > deferred.at
        content = answer.body["content"]
        assert "75 EUR per day" in content and "`[1]` Expenses and Reimbursement" in content
        assert answer.body["flags"] & 64 and _custom_ids(answer.body)
        assert sources[1] is not None and "Travel Policy" in sources[1].body["content"]
        assert helped.body["type"] == 4 and "`/ask" in helped.body["data"]["content"]
        assert forgot[1] is not None and "1 answers" in forgot[1].body["content"]
        assert denied is not None and denied.body["content"] == "Sorry: your role (guest) may not ask here."
        assert not denied.body.get("components")  # a refusal is not an answer: nothing to rate
        assert hidden is not None and hidden.body["content"] == "Sorry: your role (guest) may not ask here."

    _scenario(body)


def _audit(app: Steward, kind: str) -> list[Any]:
    sql = "select payload from audit_events where tenant_id = :t and kind = :k order by seq"
    with app.database.engine.connect() as conn:
        return [r.payload for r in conn.execute(text(sql), {"t": str(GUILD_ID), "k": kind}).all()]


def test_ingest_is_for_admins_and_a_refusal_is_audited(app: Steward) -> None:
    note = b"# Plants\n\nThe office plant in Lisbon is a monstera called Fernando.\n"

    async def body(fake: FakeDiscord) -> None:
        member = fake.person("member")
        admin = fake.person("admin", roles=(fake.admin_role_id,))
        moderator = fake.person("moderator", roles=(fake.moderator_role_id,))
        denied_before = len(_audit(app, "policy_denied"))
        async with _running(app, fake):
            refused = await fake.command(member, "ingest", {"url": "https://example.com/handbook"})
            _, refusal = await _interaction_reply(fake, refused)
            attachment = fake.attachment("plants.md", note)
            by_role = await fake.command(admin, "ingest", {"collection": "plants"}, attachments=[attachment])
            _, added = await _interaction_reply(fake, by_role)
            attachment = fake.attachment("plants.md", note)
            by_permission = await fake.command(moderator, "ingest", {"collection": "plants"}, attachments=[attachment])
            _, unchanged = await _interaction_reply(fake, by_permission)
        assert refusal is not None and refusal.body["content"] == "Sorry: your role (member) may not ingest here."
        denied = _audit(app, "policy_denied")[denied_before:]
        assert [d["action"] for d in denied] == ["ingest"]
        assert added is not None and "Ingested into `plants`: 1 added" in added.body["content"]
        assert unchanged is not None and "1 unchanged" in unchanged.body["content"]

    _scenario(body)


def test_audit_export_is_sent_to_the_compliance_officer_in_a_dm(app: Steward) -> None:
    async def body(fake: FakeDiscord) -> None:
        officer = fake.person("officer", ident=COMPLIANCE_USER)
        member = fake.person("member")
        async with _running(app, fake):
            _, refusal = await _interaction_reply(fake, await fake.command(member, "audit-export"))
            since = {"since": "7d"}  # the same relative times as Slack's (bot.chat.args.parse_since)
            _, sent = await _interaction_reply(fake, await fake.command(officer, "audit-export", since))
        assert refusal is not None and "may not export audit" in refusal.body["content"]
        assert sent is not None and "Sent to your DMs" in sent.body["content"]
        [opened] = fake.find("POST", "/users/@me/channels")
        assert str(opened.body["recipient_id"]) == str(COMPLIANCE_USER)
        dm = fake.dm_channel(officer)
        [delivery] = [c for c in fake.find("POST", f"/channels/{dm}/messages") if c.files]
        export = next(data for name, data in delivery.files.items() if name.endswith(".jsonl"))
        events = [json.loads(line) for line in export.decode().splitlines()]
        assert events and {e["tenant"] for e in events} == {str(GUILD_ID)}
        assert any(name.endswith(".manifest.json") for name in delivery.files)
        exports = app.settings.core.data_dir / "exports"
        assert not [name for name in delivery.files if list(exports.glob(f"audit-*/{name}"))]  # not kept

    _scenario(body)


def _answers_to(fake: FakeDiscord, message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.bot_messages(fake.channel_id)
        if str((m.get("message_reference") or {}).get("message_id")) == message["id"]
    ]


def test_a_replayed_message_is_not_answered_twice(app: Steward, capsys: pytest.CaptureFixture[str]) -> None:
    async def body(fake: FakeDiscord) -> None:
        alice = fake.person("alice")
        async with _running(app, fake):
            question = await fake.say(alice, QUESTION, mention=True)
            await _answered(fake, fake.channel_id)
            fake.redeliver_on_resume = True
            await fake.drop_connections()
            await fake.until(lambda: fake.resumes == 1)  # resumed, and the message was delivered again
            mark = len(fake.calls)
            sentinel = await fake.say(alice, "and for hotels?", mention=True)
            await _answered(fake, fake.channel_id, after=mark)
        async with _running(app, fake):  # a restarted bot gets the same message again
            await fake.dispatch("MESSAGE_CREATE", question)
            mark = len(fake.calls)
            last = await fake.say(alice, "and for trains?", mention=True)
            await _answered(fake, fake.channel_id, after=mark)
        assert fake.identifies == 2 and fake.resumes == 1
        assert capsys.readouterr().out.count("discord.duplicate_message") == 2  # both deliveries were seen
        assert len(_answers_to(fake, question)) == 1
        assert len(_answers_to(fake, sentinel)) == 1 and len(_answers_to(fake, last)) == 1

    _scenario(body)


def test_sync_commands_publishes_the_app_commands(app: Steward) -> None:
    async def body(fake: FakeDiscord) -> None:
        names = await sync_commands(app.chat, _discord_settings(fake))
        [put] = fake.find("PUT", f"/applications/{fake.app_id}/commands")
        published = {c["name"]: c for c in put.body}
        assert names == sorted(published) == ["ask", "audit-export", "forget-me", "help", "ingest", "sources"]
        assert {o["name"] for o in published["ingest"]["options"]} == {"url", "file", "collection"}
        assert not fake.find("GET", "/gateway") and fake.identifies == 0  # no gateway connection needed

    _scenario(body)
    usage = CliRunner().invoke(discord_app, ["--help"])
    assert usage.exit_code == 0 and "sync-commands" in usage.output  # what `steward discord` will offer
