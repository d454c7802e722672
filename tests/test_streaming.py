"""Streaming through the pipeline from both providers, and cancellation that really stops generation."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from langchain_core.messages import HumanMessage
from sqlalchemy import text

from bot.container import Steward
from bot.pipeline.message import IncomingMessage, Reply
from bot.settings import Settings
from tests.fake_openai import Behaviour, FakeOpenAI
from tests.test_routing import GROUNDED, QUESTION, _app

pytestmark = pytest.mark.slow


def _message() -> IncomingMessage:
    return IncomingMessage(
        platform="slack", tenant="acme", channel="C1", user="U1", text=QUESTION, collections=("handbook",)
    )


async def _collect(app: Steward) -> tuple[list[tuple[float, str]], Reply]:
    tokens: list[tuple[float, str]] = []
    reply = None
    async for item in app.pipeline.stream(_message()):
        if isinstance(item, Reply):
            reply = item
        else:
            tokens.append((time.perf_counter(), item))
    assert reply is not None
    return tokens, reply


def test_local_tokens_stream_before_the_final_reply(handbook: Steward) -> None:
    tokens, reply = asyncio.run(_collect(handbook))
    assert len(tokens) >= 3
    assert tokens[-1][0] - tokens[0][0] > 0  # they arrived over time, not in one piece
    assert "".join(t for _, t in tokens).strip()
    assert reply.citations and reply.latency_ms["ttft"] > 0
    with handbook.database.engine.connect() as conn:
        sql = "select ttft_ms, tokens_in, tokens_out from answers where id = :i"
        row = conn.execute(text(sql), {"i": reply.answer_id}).one()
    assert row.ttft_ms == reply.latency_ms["ttft"]
    assert row.tokens_in > 20 and row.tokens_out >= len(tokens)  # counted for streamed answers too


def test_hosted_tokens_stream_through_the_pipeline(handbook: Steward, settings: Settings) -> None:
    with FakeOpenAI(default=Behaviour(text=GROUNDED, token_delay_s=0.05)) as fake:
        app = _app(handbook, settings, fake, "hosted-first")
        tokens, reply = asyncio.run(_collect(app))
        assert fake.requests[0].body.get("stream") is True
    assert len(tokens) >= 5 and tokens[-1][0] - tokens[0][0] >= 0.1
    assert "".join(t for _, t in tokens).strip() == GROUNDED and reply.model == "hosted:fake-model"


def _generation_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "steward-generate"]


def test_closing_a_local_stream_stops_generation(handbook: Steward) -> None:
    model = handbook.chat_model()
    long = model.model_copy(update={"max_new_tokens": 2000})  # minutes of work if it were not stopped

    async def take_two() -> None:
        stream = long.astream([HumanMessage("Write a very long story about the sea.")])
        got = [await anext(stream), await anext(stream)]
        assert all(str(c.content) for c in got)
        await stream.aclose()

    asyncio.run(take_two())
    deadline = time.monotonic() + 30
    while _generation_threads() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _generation_threads(), "generation kept running after the stream was closed"
    assert model.lock.acquire(timeout=1)  # and the model is free for the next question
    model.lock.release()
