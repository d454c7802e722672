"""One streaming session for every adapter: read the governed answer stream, edit no faster than allowed.

The pipeline's stream yields only checked text (see ``bot.pipeline.stream_gate``); the session turns it
into ``Partial`` views (all the checked text so far, throttled), then the final ``Reply`` or a
``ChatError``. A chat adapter implements ``MessageEditor`` to render them (Slack: ``chat.update`` with
Block Kit; Discord: message edits); the HTTP stream renders ``events`` as server-sent events.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.chat.errors import FAILED, ChatError, chat_error
from bot.chat.throttle import Throttle
from bot.logs import get_logger
from bot.pipeline.message import IncomingMessage, InvalidMessage, Reply
from bot.pipeline.pipeline import Pipeline

log = get_logger(__name__)


@dataclass(frozen=True)
class Partial:
    """The answer so far: every sentence released by the output checks, in order."""

    text: str


Event = Partial | Reply | ChatError


class MessageEditor(Protocol):
    """One answer message on one platform; the session decides what it shows and when."""

    async def start(self) -> None:
        """The message is going to be answered (show a placeholder, or nothing)."""

    async def show(self, text: str) -> None:
        """Show the checked partial answer ``text``."""

    async def finish(self, reply: Reply) -> None:
        """Replace whatever was shown with the final reply."""

    async def fail(self, error: ChatError) -> None:
        """Replace whatever was shown (or post, if nothing was) with the error reply."""


class StreamingSession:
    """Answers messages through the governed pipeline, editing at least ``interval_s`` apart."""

    def __init__(self, pipeline: Pipeline, interval_s: float, clock: Callable[[], float] | None = None) -> None:
        self._pipeline = pipeline
        self._interval_s = interval_s
        self._clock = clock

    async def run(self, message: IncomingMessage, editor: MessageEditor) -> Reply | None:
        """Answer ``message`` into ``editor``; the reply, or None when it could not be answered."""
        try:
            message.validate()
        except InvalidMessage as exc:
            await editor.fail(chat_error(exc))
            return None
        await editor.start()
        try:
            async with contextlib.aclosing(self.events(message)) as events:
                return await self._render(events, editor)
        except Exception:  # the platform refused an edit: say so in the message if it still can
            log.exception("chat.render_failed", platform=message.platform)
            await editor.fail(ChatError(500, FAILED))
            return None

    @staticmethod
    async def _render(events: AsyncIterator[Event], editor: MessageEditor) -> Reply | None:
        async for event in events:
            if isinstance(event, Partial):
                await editor.show(event.text)
            elif isinstance(event, Reply):
                await editor.finish(event)
                return event
            else:
                await editor.fail(event)
                return None
        return None

    async def events(self, message: IncomingMessage) -> AsyncGenerator[Event, None]:
        """Throttled ``Partial`` views of the checked text, then the ``Reply`` or a ``ChatError``."""
        throttle = Throttle(self._interval_s, self._clock)
        reader = self._read(message, throttle)
        try:
            async for event in reader:
                yield event
        except Exception as exc:  # noqa: BLE001 - every failure becomes the one error reply
            error = chat_error(exc)
            if not error.user_error:
                log.error("chat.answer_failed", platform=message.platform, error=type(exc).__name__, exc_info=exc)
            await throttle.wait()
            yield error
        finally:
            await reader.aclose()  # stops generation when the consumer goes away

    async def _read(self, message: IncomingMessage, throttle: Throttle) -> AsyncGenerator[Event, None]:
        text = ""
        async for item in self._pipeline.stream(message):
            if isinstance(item, Reply):
                await throttle.wait()
                yield item
                return
            text += item
            if text.strip() and throttle.due():
                yield Partial(text)
                throttle.wrote()  # resumed after the editor finished showing it
        raise RuntimeError("the answer stream ended without a reply")
