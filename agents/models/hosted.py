"""A hosted chat model (OpenAI's API or any compatible server), made resilient.

:class:`ResilientChatModel` wraps any LangChain chat model: it retries rate limits (429, honouring
``Retry-After``), server errors (5xx), timeouts and lost connections with exponential backoff and full
jitter, fails at once on other client errors (4xx) and malformed responses, and counts consecutive failed
requests in a :class:`~agents.models.breaker.CircuitBreaker` so a dead service is not hammered. Streams
are retried only until their first token; a failure after that raises :class:`HostedError`.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from types import TracebackType
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, SecretStr

from agents.config import HostedSettings
from agents.models.breaker import CircuitBreaker, CircuitOpen
from agents.models.failures import Verdict, classify

OPENAI_BASE_URL = "https://api.openai.com/v1"
_SECRET_LIKE = re.compile(r"(Bearer\s+|sk-)[\w.\-]{4,}", re.IGNORECASE)


class HostedError(RuntimeError):
    """A hosted model call failed; the message is one line and never contains the API key."""


class HostedUnavailable(HostedError, CircuitOpen):
    """The circuit breaker is open: the call failed fast and nothing was sent."""


class ResilientChatModel(BaseChatModel):
    """Retries, backoff and a circuit breaker around an inner chat model; streams token by token."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    inner: BaseChatModel
    breaker: CircuitBreaker = Field(default_factory=lambda: CircuitBreaker(5, 30.0), exclude=True)
    max_retries: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    secrets: list[SecretStr] = Field(default_factory=list, exclude=True)
    rng: random.Random = Field(default_factory=random.Random, exclude=True)

    @property
    def _llm_type(self) -> str:
        return f"resilient-{self.inner._llm_type}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"inner": self.inner._identifying_params, "max_retries": self.max_retries}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer ``tools`` to the model (OpenAI function calling), keeping retries and the breaker."""
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=formatted, **kwargs)

    def _line(self, text: str) -> str:
        """One line, at most 300 characters, with every secret masked."""
        for secret in self.secrets:
            if value := secret.get_secret_value():
                text = text.replace(value, "***")
        text = " ".join(_SECRET_LIKE.sub(r"\1***", text).split())
        return text[:297] + "..." if len(text) > 300 else text

    def _cause(self, exc: Exception) -> Exception | None:
        """The exception to chain, or None when its own text would repeat a secret (a server echoing the key)."""
        said = f"{exc}{exc!r}"
        return None if any(v and v in said for v in (s.get_secret_value() for s in self.secrets)) else exc

    def _admit(self) -> bool:
        try:
            return self.breaker.acquire()
        except CircuitOpen as exc:
            raise HostedUnavailable(f"hosted model unavailable: {exc}", exc.retry_in_s) from None

    def _delay(self, attempt: int, verdict: Verdict) -> float:
        if verdict.wait_s is not None:
            return min(verdict.wait_s, self.backoff_max_s)
        return self.rng.uniform(0, min(self.backoff_max_s, self.backoff_base_s * 2**attempt))

    def _failed(self, exc: Exception, attempt: int) -> float:
        """Record a failed request; return how long to wait before retrying, or raise :class:`HostedError`."""
        verdict = classify(exc)
        if verdict.counts:
            self.breaker.failure()
        else:
            self.breaker.success()  # the service answered: it is up, the request was at fault
        if not verdict.retry:
            raise HostedError(self._line(verdict.reason)) from self._cause(exc)
        if attempt >= self.max_retries:
            raise HostedError(
                self._line(f"hosted model failed after {attempt + 1} attempts: {verdict.reason}")
            ) from self._cause(exc)
        return self._delay(attempt, verdict)

    def _broke_off(self, exc: Exception, chunks: int) -> HostedError:
        self.breaker.failure()
        return HostedError(self._line(f"hosted model stream broke off after {chunks} chunks: {classify(exc).reason}"))

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        for attempt in itertools.count():
            with _Attempt(self, attempt) as tried:
                return self.inner._generate(messages, stop=stop, **kwargs)
            time.sleep(tried.delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        for attempt in itertools.count():
            with _Attempt(self, attempt) as tried:
                return await self.inner._agenerate(messages, stop=stop, **kwargs)
            await asyncio.sleep(tried.delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for attempt in itertools.count():
            with _closing(self.inner._stream(messages, stop=stop, **kwargs)) as stream:
                with _Attempt(self, attempt) as tried:
                    head = _until_text(stream)  # retried until here; the first token ends that
                if tried.failed:
                    time.sleep(tried.delay)
                    continue
                yield from head
                yield from self._rest(stream, len(head))
                return

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for attempt in itertools.count():
            async with _aclosing(self.inner._astream(messages, stop=stop, **kwargs)) as stream:
                with _Attempt(self, attempt) as tried:
                    head = await _until_text_async(stream)  # retried until here; the first token ends that
                if tried.failed:
                    await asyncio.sleep(tried.delay)
                    continue
                for chunk in head:
                    yield chunk
                async for chunk in self._arest(stream, len(head)):
                    yield chunk
                return

    def _rest(self, stream: Iterator[ChatGenerationChunk], sent: int) -> Iterator[ChatGenerationChunk]:
        try:
            for chunk in stream:
                sent += 1
                yield chunk
        except Exception as exc:
            raise self._broke_off(exc, sent) from self._cause(exc)

    async def _arest(self, stream: AsyncIterator[ChatGenerationChunk], sent: int) -> AsyncIterator[ChatGenerationChunk]:
        try:
            async for chunk in stream:
                sent += 1
                yield chunk
        except Exception as exc:
            raise self._broke_off(exc, sent) from self._cause(exc)


class _Attempt:
    """One request: admitted by the breaker; success closes it, a failure becomes a delay or a HostedError."""

    def __init__(self, model: ResilientChatModel, attempt: int) -> None:
        self.model = model
        self.attempt = attempt
        self.failed = False
        self.delay = 0.0
        self.trial = False

    def __enter__(self) -> _Attempt:
        self.trial = self.model._admit()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> bool:
        if exc is None:
            self.model.breaker.success()
            return False
        if not isinstance(exc, Exception):  # cancelled or interrupted: no verdict on the service
            self.model.breaker.release(self.trial)
            return False
        self.delay = self.model._failed(exc, self.attempt)  # raises HostedError when there is no retry
        self.failed = True
        return True


@contextmanager
def _closing(stream: Iterator[ChatGenerationChunk]) -> Iterator[Iterator[ChatGenerationChunk]]:
    """Close the inner stream (and so its HTTP response) however the outer one ends."""
    try:
        yield stream
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


@asynccontextmanager
async def _aclosing(stream: AsyncIterator[ChatGenerationChunk]) -> AsyncIterator[AsyncIterator[ChatGenerationChunk]]:
    """Close the inner async stream at once, even when the consumer stops early or is cancelled."""
    try:
        yield stream
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()


def _until_text(stream: Iterator[ChatGenerationChunk]) -> list[ChatGenerationChunk]:
    """Chunks up to and including the first one with text (role-only chunks come first), or all of them."""
    head = []
    for chunk in stream:
        head.append(chunk)
        if chunk.text:
            break
    return head


async def _until_text_async(stream: AsyncIterator[ChatGenerationChunk]) -> list[ChatGenerationChunk]:
    head = []
    async for chunk in stream:
        head.append(chunk)
        if chunk.text:
            break
    return head


def make_openai_chat_model(settings: HostedSettings) -> BaseChatModel:
    """``ChatOpenAI`` for the configured server, without retries of its own (the wrapper retries)."""
    from langchain_openai import ChatOpenAI

    if settings.api_key is None and settings.base_url is None:
        raise HostedError("OPENAI_API_KEY is not set: OpenAI's API needs a key")
    key = settings.api_key or SecretStr("not-needed")  # compatible local servers often need none
    return ChatOpenAI(
        model=settings.model,
        base_url=settings.base_url or OPENAI_BASE_URL,
        api_key=key,
        max_retries=0,
        timeout=settings.timeout_s,
        stream_chunk_timeout=settings.timeout_s,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        stream_usage=settings.base_url is None,
        use_responses_api=False,
    )


def make_hosted_chat_model(settings: HostedSettings, breaker: CircuitBreaker | None = None) -> BaseChatModel:
    """The hosted model, resilient: retries, backoff and a breaker (shared when ``breaker`` is given)."""
    return ResilientChatModel(
        inner=make_openai_chat_model(settings),
        breaker=breaker or CircuitBreaker(settings.breaker_failures, settings.breaker_reset_s),
        max_retries=settings.max_retries,
        backoff_base_s=settings.backoff_base_s,
        backoff_max_s=settings.backoff_max_s,
        secrets=[settings.api_key] if settings.api_key else [],
    )
