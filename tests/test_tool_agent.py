"""The hosted model as a LangChain tool-calling agent: it searches the documents itself, within scope.

The hosted model is a local OpenAI-compatible server that answers with real function calls; the
retrieval behind the tools is the real one, over the ingested handbook in PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from agents.config import HostedSettings, RouterSettings
from bot.container import Steward
from bot.pipeline.message import IncomingMessage, Reply
from bot.settings import Settings
from tests.fake_openai import Behaviour, FakeOpenAI

QUESTION = "How many hardware security keys does each employee get?"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _app(steward: Steward, settings: Settings, fake: FakeOpenAI) -> Steward:
    hosted = HostedSettings(base_url=fake.base_url, api_key=SecretStr("sk-test"), model="tool-model", max_retries=0)
    new = settings.model_copy(update={"hosted": hosted, "router": RouterSettings(route="hosted-only")})
    return Steward(new, steward.database)


def _message(question: str = QUESTION) -> IncomingMessage:
    return IncomingMessage("slack", "acme", "C-tools", "U1", question, collections=("handbook",))


def _tool_messages(body: dict[str, Any]) -> list[str]:
    return [m["content"] for m in body["messages"] if m["role"] == "tool"]


def _cite_yubikeys(body: dict[str, Any]) -> str:
    """Answer like a good model would: from the passage the tool returned, citing its number."""
    [found] = _tool_messages(body)
    n = re.search(r"\[(\d+)\] Passwords and MFA", found)
    assert n is not None, found
    return f"Every employee receives two YubiKey 5 hardware security keys [{n.group(1)}]."


def _cite_yubikeys_at_length(body: dict[str, Any]) -> str:
    """The same answer in two sentences, so the governed stream has two checked sentences to release."""
    first = _cite_yubikeys(body)
    n = first.rsplit("[", 1)[1].rstrip("].")
    return f"{first} YubiKeys are the required MFA method for Okta [{n}]."


def _answer_row(app: Steward, reply: Reply) -> Any:
    with app.database.engine.connect() as conn:
        sql = "select model, route_reason, tokens_in, tokens_out from answers where id = :i"
        return conn.execute(text(sql), {"i": reply.answer_id}).one()


def test_the_agent_searches_with_a_tool_and_cites_what_it_found(
    handbook: Steward, settings: Settings, fake: FakeOpenAI
) -> None:
    fake.script(
        Behaviour(tool_calls=[("search_docs", {"query": "YubiKey hardware keys", "collection": "handbook"})]),
        Behaviour(reply=_cite_yubikeys),
    )
    app = _app(handbook, settings, fake)
    reply = asyncio.run(app.pipeline.handle(_message()))
    assert len(fake.requests) == 2
    first, second = (r.body for r in fake.requests)
    assert {t["function"]["name"] for t in first["tools"]} == {"search_docs", "list_sources"}
    [found] = _tool_messages(second)
    assert "two YubiKey 5 hardware security keys" in found  # the real retrieval ran behind the tool
    assert reply.model == "hosted:tool-model" and "two YubiKey 5" in reply.text
    n = int(re.findall(r"\[(\d+)\]", reply.text)[0])
    [citation] = [c for c in reply.citations if c.n == n]
    assert citation.source.endswith("passwords-and-mfa.md")
    row = _answer_row(app, reply)
    assert row.tokens_in == 14  # both model calls are counted (the fake reports 7 prompt tokens each)
    assert row.tokens_out >= 9


def test_tools_stay_inside_the_request_scope(handbook: Steward, settings: Settings, fake: FakeOpenAI) -> None:
    fake.script(
        Behaviour(tool_calls=[("search_docs", {"query": "vault code", "collection": "secrets"})]),
        Behaviour(tool_calls=[("list_sources", {})]),
        Behaviour(text="I don't know."),
    )
    app = _app(handbook, settings, fake)
    asyncio.run(app.pipeline.handle(_message("What is the vault code?")))
    assert len(fake.requests) == 3
    refused = _tool_messages(fake.requests[1].body)[0]
    assert "not available here" in refused and "handbook" in refused
    listed = _tool_messages(fake.requests[2].body)[1]
    assert "passwords-and-mfa.md" in listed and "handbook |" in listed


def test_the_tool_agent_streams_its_final_answer(handbook: Steward, settings: Settings, fake: FakeOpenAI) -> None:
    fake.script(
        Behaviour(tool_calls=[("search_docs", {"query": "YubiKey", "collection": ""})]),
        Behaviour(reply=_cite_yubikeys_at_length, token_delay_s=0.01),
    )
    app = _app(handbook, settings, fake)

    async def collect() -> list[str | Reply]:
        return [item async for item in app.pipeline.stream(_message())]

    items = asyncio.run(collect())
    tokens, reply = items[:-1], items[-1]
    # The governed stream releases whole checked sentences: the final answer arrives in two pieces, not one.
    assert isinstance(reply, Reply) and len(tokens) == 2
    assert str(tokens[0]).strip().startswith("Every employee receives two YubiKey 5")
    assert "".join(str(t) for t in tokens).strip() == reply.text
