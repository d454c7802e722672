"""The hosted model over real HTTP against a local OpenAI-compatible server: retries, breaker, streaming."""

from __future__ import annotations

import asyncio
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from pydantic import SecretStr

from agents.config import HostedSettings
from agents.models.breaker import CircuitBreaker, CircuitOpen
from agents.models.hosted import HostedError, HostedUnavailable, make_hosted_chat_model
from tests.fake_openai import Behaviour, FakeOpenAI

KEY = "sk-test-DO-NOT-LEAK-4242"
SLOW = "one two three four five six seven eight nine ten"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def hosted_settings(server: FakeOpenAI, **overrides: Any) -> HostedSettings:
    values: dict[str, Any] = {
        "api_key": SecretStr(KEY),
        "base_url": server.base_url,
        "model": "fake-model",
        "timeout_s": 0.5,
        "max_retries": 3,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "breaker_failures": 50,
        "max_tokens": 64,
    }
    return HostedSettings(**(values | overrides))


def hosted(server: FakeOpenAI, breaker: CircuitBreaker | None = None, **overrides: Any) -> BaseChatModel:
    return make_hosted_chat_model(hosted_settings(server, **overrides), breaker)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _everything_said(exc: BaseException) -> str:
    """Messages, reprs and the formatted traceback of an exception and the chain a traceback shows."""
    text = "".join(traceback.format_exception(exc))
    shown: BaseException | None = exc
    while shown is not None:
        text += str(shown) + repr(shown)
        shown = shown.__cause__ or (None if shown.__suppress_context__ else shown.__context__)
    return text


# --- plain calls ---------------------------------------------------------------------------------


def test_answer_text_comes_back_with_the_configured_request(server: FakeOpenAI) -> None:
    server.script(Behaviour(text="The printer is on floor 2."))
    message = hosted(server).invoke("Where is the printer?")
    assert message.content == "The printer is on floor 2."
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == "fake-model" and request.body["temperature"] == 0.0
    assert 64 in (request.body.get("max_tokens"), request.body.get("max_completion_tokens"))
    assert request.body["messages"][-1] == {"role": "user", "content": "Where is the printer?"}
    assert request.header("x-stainless-retry-count") == "0"  # the SDK does not retry on its own


def test_ainvoke_works_too(server: FakeOpenAI) -> None:
    server.script("503", Behaviour(text="async answer"))
    message = asyncio.run(hosted(server).ainvoke("hi"))
    assert message.content == "async answer" and len(server.requests) == 2


def test_429_then_ok_succeeds_after_one_retry(server: FakeOpenAI) -> None:
    server.script("429", "ok")
    assert hosted(server).invoke("hi").content == "Hello from the fake model."
    assert len(server.requests) == 2


def test_retry_after_is_honoured(server: FakeOpenAI) -> None:
    server.script(Behaviour(kind="429", retry_after="1"), "ok")
    start = time.monotonic()
    hosted(server, backoff_max_s=2.0).invoke("hi")
    assert time.monotonic() - start >= 1.0
    first, second = server.requests
    assert second.started - first.started >= 1.0


def test_retry_after_is_capped_by_backoff_max(server: FakeOpenAI) -> None:
    server.script(Behaviour(kind="429", retry_after="30"), "ok")
    start = time.monotonic()
    hosted(server, backoff_max_s=0.2).invoke("hi")
    assert 0.2 <= time.monotonic() - start < 5
    assert len(server.requests) == 2


def test_500_500_ok_succeeds(server: FakeOpenAI) -> None:
    server.script("500", "500", "ok")
    assert hosted(server).invoke("hi").content == "Hello from the fake model."
    assert len(server.requests) == 3


def test_retries_run_out_with_a_clear_error(server: FakeOpenAI) -> None:
    server.default = Behaviour(kind="502")
    with pytest.raises(HostedError, match=r"failed after 4 attempts: server error \(HTTP 502\)"):
        hosted(server, max_retries=3).invoke("hi")
    assert len(server.requests) == 4


def test_400_is_not_retried_and_does_not_count_against_the_breaker(server: FakeOpenAI) -> None:
    server.script(Behaviour(kind="400", message="unknown parameter"))
    breaker = CircuitBreaker(1, 30)
    with pytest.raises(HostedError, match=r"request rejected \(HTTP 400\).*unknown parameter") as info:
        hosted(server, breaker).invoke("hi")
    assert len(server.requests) == 1
    assert "\n" not in str(info.value)
    assert breaker.state == "closed" and breaker.consecutive_failures == 0


def test_malformed_json_is_a_clear_error_and_not_retried(server: FakeOpenAI) -> None:
    server.script("malformed")
    with pytest.raises(HostedError) as info:
        hosted(server).invoke("hi")
    assert str(info.value) == "hosted model returned malformed JSON"
    assert len(server.requests) == 1


def test_a_stall_times_out_and_is_retried(server: FakeOpenAI) -> None:
    server.script(Behaviour(kind="stall", stall_s=5), Behaviour(text="after the stall"))
    start = time.monotonic()
    assert hosted(server, timeout_s=0.4).invoke("hi").content == "after the stall"
    assert 0.4 <= time.monotonic() - start < 3
    assert len(server.requests) == 2


# --- circuit breaker -----------------------------------------------------------------------------


def test_breaker_opens_after_consecutive_failures_and_then_fails_fast(server: FakeOpenAI) -> None:
    server.default = Behaviour(kind="500")
    model = hosted(server, breaker_failures=3, max_retries=0)
    for _ in range(3):
        with pytest.raises(HostedError, match="HTTP 500"):
            model.invoke("hi")
    assert len(server.requests) == 3
    start = time.monotonic()
    with pytest.raises(HostedUnavailable, match="circuit open after 3 consecutive failures") as info:
        model.invoke("hi")
    assert time.monotonic() - start < 0.2
    assert len(server.requests) == 3  # nothing was sent
    assert isinstance(info.value, CircuitOpen) and info.value.retry_in_s > 0


def test_retries_stop_as_soon_as_the_breaker_opens(server: FakeOpenAI) -> None:
    server.default = Behaviour(kind="500")
    with pytest.raises(HostedUnavailable):
        hosted(server, breaker_failures=2, max_retries=5).invoke("hi")
    assert len(server.requests) == 2


def test_half_open_trial_goes_through_and_closes_the_breaker(server: FakeOpenAI) -> None:
    clock = Clock()
    breaker = CircuitBreaker(2, 30, clock=clock)
    model = hosted(server, breaker, max_retries=0)
    server.script("500", "500")
    for _ in range(2):
        with pytest.raises(HostedError):
            model.invoke("hi")
    clock.now += 29
    with pytest.raises(HostedUnavailable):
        model.invoke("hi")
    assert len(server.requests) == 2

    clock.now += 1
    assert breaker.state == "half-open"
    server.script("500")  # a failed trial re-opens it for another reset_s
    with pytest.raises(HostedError, match="HTTP 500"):
        model.invoke("hi")
    assert breaker.state == "open" and len(server.requests) == 3

    clock.now += 30
    assert model.invoke("hi").content == "Hello from the fake model."
    assert breaker.state == "closed" and len(server.requests) == 4
    assert model.invoke("hi").content and len(server.requests) == 5


def test_breaker_lets_one_trial_at_a_time_and_a_cancelled_trial_frees_the_slot() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 10, clock=clock)
    assert breaker.acquire() is False
    breaker.failure()
    with pytest.raises(CircuitOpen, match="next trial in 10.0s"):
        breaker.acquire()
    clock.now += 10
    assert breaker.acquire() is True
    with pytest.raises(CircuitOpen, match="a trial call is in flight"):
        breaker.acquire()
    breaker.release(True)
    assert breaker.acquire() is True
    breaker.success()
    assert breaker.state == "closed" and breaker.acquire() is False


def test_breaker_counts_exactly_under_concurrency() -> None:
    breaker = CircuitBreaker(801, 10)

    def fail() -> None:
        for _ in range(100):
            breaker.failure()

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert breaker.consecutive_failures == 800 and breaker.state == "closed"
    breaker.failure()
    assert breaker.state == "open"


# --- streaming -----------------------------------------------------------------------------------


def test_stream_yields_tokens_as_they_arrive(server: FakeOpenAI) -> None:
    server.script(Behaviour(text=SLOW, token_delay_s=0.1))
    arrivals = [(time.monotonic(), c.content) for c in hosted(server).stream("hi") if c.content]
    assert "".join(str(text) for _, text in arrivals) == SLOW
    assert len(arrivals) >= 3
    assert arrivals[-1][0] - arrivals[0][0] >= 0.6  # spread over the stream, not delivered in one burst
    (request,) = server.requests
    assert request.finished is not None and arrivals[0][0] < request.finished - 0.5


def test_astream_yields_tokens_as_they_arrive(server: FakeOpenAI) -> None:
    server.script(Behaviour(text=SLOW, token_delay_s=0.1))

    async def collect() -> list[float]:
        return [time.monotonic() async for c in hosted(server).astream("hi") if c.content]

    arrivals = asyncio.run(collect())
    assert len(arrivals) == 10 and arrivals[-1] - arrivals[0] >= 0.6


def test_stream_is_retried_before_the_first_token(server: FakeOpenAI) -> None:
    server.script("429", Behaviour(kind="stall"), Behaviour(text="third time lucky"))
    text = "".join(str(c.content) for c in hosted(server, timeout_s=0.4).stream("hi"))
    assert text == "third time lucky" and len(server.requests) == 3


def test_a_stream_failing_after_its_first_token_is_not_retried(server: FakeOpenAI) -> None:
    server.script(Behaviour(text=SLOW, stall_after=2, stall_s=5))
    got: list[str] = []
    with pytest.raises(HostedError, match="stream broke off after 2 chunks: request timed out"):
        for chunk in hosted(server, timeout_s=0.4).stream("hi"):
            got.append(str(chunk.content))
    assert "".join(got) == "one two" and len(server.requests) == 1


def test_closing_an_async_stream_stops_reading_from_the_server(server: FakeOpenAI) -> None:
    server.script(Behaviour(text=SLOW, token_delay_s=0.1))

    async def take_two() -> None:
        stream = hosted(server).astream("hi")
        async for chunk in stream:
            if chunk.content == " two":
                break
        await stream.aclose()  # type: ignore[attr-defined]

    asyncio.run(take_two())
    (request,) = server.requests
    assert request.done.wait(2)
    assert request.disconnected and request.chunks_sent < 6


def test_closing_a_sync_stream_stops_reading_from_the_server(server: FakeOpenAI) -> None:
    server.script(Behaviour(text=SLOW, token_delay_s=0.1))
    stream = hosted(server).stream("hi")
    assert [next(stream).content, next(stream).content] == ["one", " two"]
    stream.close()  # type: ignore[attr-defined]
    (request,) = server.requests
    assert request.done.wait(2)
    assert request.disconnected and request.chunks_sent < 6


def test_cancelling_the_streaming_task_stops_reading_from_the_server(server: FakeOpenAI) -> None:
    server.script(Behaviour(text=SLOW, token_delay_s=0.1))
    seen: list[str] = []

    async def main() -> None:
        two = asyncio.Event()

        async def consume() -> None:
            async for chunk in hosted(server).astream("hi"):
                seen.append(str(chunk.content))
                if len(seen) == 2:
                    two.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(two.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    (request,) = server.requests
    assert request.done.wait(2)
    assert request.disconnected and request.chunks_sent < 6 and seen == ["one", " two"]


# --- secrets -------------------------------------------------------------------------------------


def test_api_key_is_sent_as_bearer_and_never_appears_in_errors(server: FakeOpenAI) -> None:
    server.script("ok", Behaviour(kind="401", message=f"Incorrect API key provided: {KEY}"), "malformed")
    model = hosted(server, max_retries=1, breaker_failures=3)
    model.invoke("hi")
    assert server.requests[0].header("Authorization") == f"Bearer {KEY}"
    errors: list[BaseException] = []
    for _ in range(4):  # 401, malformed, 500 x2 (exhausted) → the breaker opens; then fail fast
        server.default = Behaviour(kind="500")
        with pytest.raises(HostedError) as info:
            model.invoke("hi")
        errors.append(info.value)
    assert "HTTP 401" in str(errors[0]) and "***" in str(errors[0])
    assert isinstance(errors[-1], HostedUnavailable)
    for error in errors:
        assert KEY not in _everything_said(error)
    assert KEY not in repr(model) and KEY not in str(model.asdict())


def test_no_key_for_openai_itself_is_refused_up_front() -> None:
    with pytest.raises(HostedError, match="OPENAI_API_KEY is not set"):
        make_hosted_chat_model(HostedSettings())


def test_settings_defaults_and_environment_names() -> None:
    settings = HostedSettings()
    assert (settings.model, settings.timeout_s, settings.max_retries) == ("gpt-4o-mini", 30, 3)
    assert (settings.backoff_base_s, settings.backoff_max_s, settings.breaker_failures) == (0.5, 8, 5)
    assert (settings.breaker_reset_s, settings.max_tokens, settings.temperature) == (30, 512, 0.0)
    envs = {name: (info.json_schema_extra or {}).get("env") for name, info in HostedSettings.model_fields.items()}
    assert envs["api_key"] == "OPENAI_API_KEY" and envs["base_url"] == "OPENAI_BASE_URL"
    assert HostedSettings.ENV_PREFIX + "MODEL" == "STEWARD_HOSTED_MODEL"
    assert all(info.description for info in HostedSettings.model_fields.values())
