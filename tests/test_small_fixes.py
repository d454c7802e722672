"""Smaller defects of issue 14, each pinned by a test that failed before its fix.

Corrections get their own audit event and go through the one tested parser; chat uploads obey
``STEWARD_INGEST_MAX_FILE_MB``; ``parse_since`` is one parser for every platform; the log level takes any
case; an API 429 says when to retry; the bitsandbytes int8 warning is logged once, not per layer call.
"""

from __future__ import annotations

import asyncio
import logging
import types
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import discord
import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from agents.config import AgentSettings, HostedSettings, RouterSettings
from agents.models.loading import BNB_MATMUL_LOGGER, OncePerMessage, load_causal_lm
from agents.tuning.config import PreferenceSettings
from agents.tuning.preferences import parse_correction
from bot.chat.args import parse_since
from bot.commands import Caller
from bot.container import Steward
from bot.discord.ingesting import Ingester
from bot.http.api import ApiServices, api_router
from bot.http.app import make_http_app
from bot.settings import Settings, load_settings
from bot.slack.app import build_slack_app
from bot.slack.http import slack_router
from governance.policy.config import RateLimitSettings
from tests.fake_openai import Behaviour, FakeOpenAI
from tests.fake_slack import FakeSlack
from tests.test_settings import clean_env  # noqa: F401 (a fixture)
from tests.test_slack import OTHER_TEAM, USERS, Uvicorn, _slack_settings, dm, send_event

TINY_MB = 0.001  # 1,048 bytes


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default=Behaviour(text="Every employee receives two YubiKey 5 keys [1].")) as fake:
        yield fake


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(team=OTHER_TEAM, users=USERS) as fake:
        yield fake


@pytest.fixture(scope="module")
def app(handbook: Steward, settings: Settings, model: FakeOpenAI, slack: FakeSlack) -> Steward:
    hosted = HostedSettings(base_url=model.base_url, api_key=SecretStr("sk-test"), model="fake", max_retries=0)
    changes = {
        "hosted": hosted,
        "router": RouterSettings(route="hosted-only"),
        "agent": AgentSettings(fallback="none"),
        "slack": _slack_settings(slack),
        "ingest": settings.ingest.model_copy(update={"max_file_mb": TINY_MB}),
    }
    return Steward(settings.model_copy(update=changes), handbook.database)


# ---- corrections -------------------------------------------------------------------------------------------


def test_the_correction_parser_takes_any_case_and_strips_list_dashes() -> None:
    settings = PreferenceSettings(correction_prefix="!correct")
    assert parse_correction("!Correct - Two YubiKeys.", settings) == "Two YubiKeys."
    assert parse_correction("!CORRECT: Every 36 months", settings) == "Every 36 months"
    assert parse_correction("please !correct this", settings) is None


def test_a_correction_is_parsed_by_the_tested_parser_and_audited_as_a_correction(app: Steward) -> None:
    tenant, thread = f"corr-{uuid.uuid4().hex[:6]}", f"t-{uuid.uuid4().hex[:6]}"
    asker = Caller("slack", tenant, "C-corr", "U-asker", thread=thread)
    assert asyncio.run(app.commands.ask(asker, "how many YubiKeys does each person get?")).status == "answered"
    admin = Caller("slack", tenant, "C-corr", "U-admin", platform_admin=True, thread=thread)
    reply = asyncio.run(app.commands.ask(admin, "!Correct - Each employee gets two YubiKey 5 keys."))
    assert reply.status == "corrected"
    with app.database.tenant_connection(tenant) as conn:
        (stored,) = conn.execute(text("SELECT id, conversation_id, text FROM corrections")).all()
        events = conn.execute(text("SELECT kind, channel, payload FROM audit_events ORDER BY seq")).all()
    assert stored.text == "Each employee gets two YubiKey 5 keys."  # what parse_correction returns
    (event,) = [e for e in events if e.kind == "correction"]
    assert event.payload == {
        "correction_id": str(stored.id),
        "conversation_id": str(stored.conversation_id),
        "chars": len(stored.text),
    }
    assert event.channel == "C-corr"
    assert not [e for e in events if e.kind == "feedback"]  # no longer a placeholder 👍/👎 event


# ---- uploads obey STEWARD_INGEST_MAX_FILE_MB -----------------------------------------------------------------


def test_slack_uploads_obey_the_ingest_size_limit(app: Steward, slack: FakeSlack) -> None:
    body = b"# Big\n\n" + b"Visitors park in bay 7 behind the main building. " * 40  # about 2 KB
    url = slack.serve("/files/FBIG/big.md", body, "text/markdown")
    file = {"id": "FBIG", "name": "big.md", "size": len(body), "url_private_download": url}
    with Uvicorn(make_http_app([slack_router(build_slack_app(app.chat, app.settings.slack))], lambda: True)) as base:
        send_event(base, dm("UADMIN", "", subtype="file_share", files=[file]), team=OTHER_TEAM)
        (reply,) = slack.wait_for(lambda: slack.calls_to("chat.postMessage", channel="DUADMIN"))
    assert reply.params["text"] == f"Nothing to ingest.\n• skipped big.md: larger than {TINY_MB:g} MB"
    assert not slack.calls_to("download")


def test_discord_uploads_obey_the_ingest_size_limit(app: Steward, tmp_path: Path) -> None:
    payload = {"id": 1, "size": 2048, "filename": "big.md", "url": "https://cdn.invalid/big.md", "proxy_url": ""}
    attachment = discord.Attachment(data=payload, state=types.SimpleNamespace(http=None))  # type: ignore[arg-type]
    caller = Caller("discord", OTHER_TEAM, "C-up", "U-up", platform_admin=True)
    said = asyncio.run(Ingester(app.chat).ingest(caller, attachments=[attachment]))
    assert said == f"Sorry: `big.md` is larger than {TINY_MB:g} MB."


# ---- one parse_since for every platform ----------------------------------------------------------------------


def test_parse_since_takes_dates_times_and_relative_ages() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert parse_since(" 12H ", now) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert parse_since("2w", now) == datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    assert parse_since("2026-01-31", now) == datetime(2026, 1, 31, tzinfo=UTC)
    assert parse_since("2026-01-31T08:00:00+01:00", now) == datetime(2026, 1, 31, 7, 0, tzinfo=UTC)
    assert parse_since("", now) is None and parse_since(None, now) is None
    with pytest.raises(ValueError):
        parse_since("last week", now)


# ---- the log level in any case ---------------------------------------------------------------------------------


def test_the_log_level_is_read_in_any_case(clean_env: pytest.MonkeyPatch) -> None:  # noqa: F811
    clean_env.setenv("STEWARD_LOG_LEVEL", "debug")
    assert load_settings().core.log_level == "DEBUG"
    clean_env.setenv("STEWARD_LOG_LEVEL", " Warning ")
    assert load_settings().core.log_level == "WARNING"
    clean_env.setenv("STEWARD_LOG_LEVEL", "chatty")
    with pytest.raises(ValueError, match="log_level"):
        load_settings()


# ---- Retry-After on a 429 ---------------------------------------------------------------------------------------


def test_a_rate_limited_api_answer_says_when_to_retry(app: Steward) -> None:
    limits = RateLimitSettings(enabled=True, user_burst=1, user_per_minute=1.0)
    limited = Steward(app.settings.model_copy(update={"ratelimit": limits}), app.database)
    tenant = f"rl-{uuid.uuid4().hex[:6]}"
    key = limited.api_keys.create(tenant, "member", "rate", "test:setup")[1]
    api = api_router(ApiServices(limited.pipeline, limited.commands, limited.access))
    question = {"question": "how many YubiKeys does each person get?"}
    with Uvicorn(make_http_app([api], ready=lambda: True)) as base:
        ask = lambda: httpx.post(  # noqa: E731
            f"{base}/api/v1/ask", json=question, headers={"Authorization": f"Bearer {key}"}, timeout=60
        )
        first, second = ask(), ask()
    assert first.status_code == 200 and "Retry-After" not in first.headers
    assert second.status_code == 429
    assert 50 < int(second.headers["Retry-After"]) <= 60  # one token a minute: the bucket refills within 60 s


# ---- the bitsandbytes int8 warning, once ------------------------------------------------------------------------


def test_the_int8_cast_warning_is_logged_once(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    import bitsandbytes as bnb
    import torch

    logger = logging.getLogger(BNB_MATMUL_LOGGER)
    for stale in [f for f in logger.filters if isinstance(f, OncePerMessage)]:
        logger.removeFilter(stale)  # a fresh process: nothing seen yet
    with pytest.raises(ValueError, match="Unrecognized model"):
        load_causal_lm(tmp_path, "int8", "cpu")  # no model there, but the int8 loader ran first
    layer = bnb.nn.Linear8bitLt(8, 8, has_fp16_weights=False, bias=False).to("cpu").eval()
    with caplog.at_level(logging.WARNING, logger=BNB_MATMUL_LOGGER), torch.no_grad():
        for _ in range(3):  # the int8 path of every linear layer, as in each step of an answer
            layer(torch.randn(2, 8))
    casts = [r for r in caplog.records if r.getMessage().startswith("MatMul8bitLt: inputs will be cast")]
    assert len(casts) == 1
