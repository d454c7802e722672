"""The governed pipeline: an ordered chain of small steps, run for every message from every adapter."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol

from bot.logs import get_logger, request_context
from bot.pipeline.message import IncomingMessage, Reply
from bot.pipeline.steps.base import Step
from bot.pipeline.turn import Turn

log = get_logger(__name__)
OnToken = Callable[[str], Awaitable[None]]


class Observer(Protocol):
    """Watches each message through the pipeline (metrics): when it starts, each step, how it ended."""

    def started(self) -> None:
        """A message entered the pipeline."""

    def step(self, name: str, seconds: float) -> None:
        """One step ran for ``seconds``."""

    def finished(self, turn: Turn, reply: Reply | None, seconds: float) -> None:
        """The message left with ``reply`` (``None``: a step raised)."""


class _Unobserved:
    def started(self) -> None:
        pass

    def step(self, name: str, seconds: float) -> None:
        pass

    def finished(self, turn: Turn, reply: Reply | None, seconds: float) -> None:
        pass


class Stopping(RuntimeError):
    """The process is shutting down and takes no new messages (HTTP: 503); in-flight ones still finish."""

    def __init__(self) -> None:
        super().__init__("Steward is shutting down; please try again in a moment")


class Pipeline:
    """Runs the steps in order; a step may stop the chain early by returning a ``Reply``."""

    def __init__(self, steps: Sequence[Step], observer: Observer | None = None) -> None:
        self.steps = list(steps)
        self._observer = observer or _Unobserved()
        self._inflight = 0
        self._closed = False

    @property
    def inflight(self) -> int:
        """Messages being answered right now."""
        return self._inflight

    @property
    def accepting(self) -> bool:
        """False once ``close`` was called."""
        return not self._closed

    def close(self) -> None:
        """Stop intake: from now on ``handle`` raises ``Stopping``; messages already inside finish."""
        self._closed = True

    async def drain(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for in-flight messages to finish; returns how many are left."""
        deadline = time.monotonic() + timeout
        while self._inflight and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self._inflight

    async def handle(self, message: IncomingMessage, on_token: OnToken | None = None) -> Reply:
        """Answer one message. Raises ``InvalidMessage`` (with a user-facing reason) for bad input.

        With ``on_token``, the answer's text is passed to it as it is generated, one sentence at a time and
        only once that sentence has passed output moderation, the output PII check and the groundedness
        check (see ``StreamGate``); the returned ``Reply`` is the final, checked answer.
        """
        message.validate()
        if self._closed:
            raise Stopping()
        self._inflight += 1
        try:
            return await self._handle(message, on_token)
        finally:
            self._inflight -= 1

    async def _handle(self, message: IncomingMessage, on_token: OnToken | None) -> Reply:
        with request_context(actor=f"{message.platform}:{message.user}", tenant=message.tenant) as request_id:
            turn = Turn(message=message, request_id=request_id, on_token=on_token)
            self._observer.started()
            reply: Reply | None = None
            try:
                reply = await self._run(turn)
            finally:
                self._observer.finished(turn, reply, time.perf_counter() - turn.started)
            return reply

    async def _run(self, turn: Turn) -> Reply:
        for step in self.steps:
            start = time.perf_counter()
            early = await step(turn)
            self._observer.step(step.name, time.perf_counter() - start)
            if early is not None:
                return early
        turn.timings_ms["total"] = turn.elapsed_ms()
        reply = self._reply(turn)
        log.info(
            "pipeline.answered",
            answer_id=str(reply.answer_id),
            model=reply.model,
            abstained=reply.abstained,
            citations=len(reply.citations),
            **turn.timings_ms,
        )
        return reply

    async def stream(self, message: IncomingMessage) -> AsyncIterator[str | Reply]:
        """Checked text (``str``, whole sentences that passed the output checks), then the final ``Reply``.

        Nothing the model wrote is yielded before it was checked; after a sentence fails a check no more
        text is yielded, and the ``Reply`` (which may differ from the streamed draft) replaces it.

        Closing the iterator early (or cancelling its consumer) cancels the request, which stops
        generation at the next token.
        """
        queue: asyncio.Queue[str | Reply | BaseException] = asyncio.Queue()

        async def run() -> None:
            try:
                await queue.put(await self.handle(message, on_token=queue.put))
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
                await queue.put(exc)

        task = asyncio.create_task(run())
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
                if isinstance(item, Reply):
                    return
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @staticmethod
    def _reply(turn: Turn) -> Reply:
        answer = turn.answer
        if answer is None:
            raise RuntimeError("the pipeline ended without an answer")
        return Reply(
            text=answer.text,
            citations=answer.citations,
            model=answer.model,
            abstained=answer.abstained,
            answer_id=turn.answer_id,
            request_id=turn.request_id,
            latency_ms=dict(turn.timings_ms),
        )
