"""Governed streaming: model tokens are passed on only as whole sentences that passed the output checks.

Tokens are buffered until a sentence ends (``.``, ``!`` or ``?``, its citation markers and a space, or a
line break). Each
finished sentence is checked (output moderation, output PII, groundedness against the retrieved
passages) before it is released; the first sentence that fails closes the gate for good, so a viewer
never sees a flagged sentence, nor anything after it, until the final, fully checked reply replaces the
draft. The unfinished tail is released only by ``finish`` with the final answer, and only when the final
answer is the streamed draft itself.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence

from bot.logs import get_logger
from bot.pipeline.output_check import OutputCheck

log = get_logger(__name__)
OnText = Callable[[str], Awaitable[None]]
# A sentence ends at . ! ? (with its citation markers) or a line break, once the next sentence has begun.
_BOUNDARY = re.compile(r"(?:(?<=[.!?])(?:\s*\[\d+\])*\s+|\n+)(?=[^\s\[])")


class StreamGate:
    """Sits between the model's tokens and ``on_text``; call ``feed`` per token, ``finish`` once at the end."""

    def __init__(self, check: OutputCheck, contexts: Sequence[str], on_text: OnText) -> None:
        self._check = check
        self._contexts = list(contexts)
        self._on_text = on_text
        self._pending = ""
        self._released: list[str] = []
        self.held: str | None = None  # the check that closed the gate (never the text)

    @property
    def released(self) -> str:
        """Everything passed on so far."""
        return "".join(self._released)

    async def feed(self, token: str) -> None:
        """Buffer ``token``; release each sentence it completes, if that sentence passes every check."""
        if self.held is not None:
            return
        self._pending += token
        while self.held is None and (boundary := _BOUNDARY.search(self._pending)) is not None:
            sentence, self._pending = self._pending[: boundary.end()], self._pending[boundary.end() :]
            await self._offer(sentence)

    async def finish(self, final: str) -> None:
        """Release the last, unterminated sentence when the final answer is exactly the checked draft."""
        tail = self._pending
        if self.held is None and tail.strip() and (self.released + tail).strip() == final.strip():
            self._pending = ""
            await self._offer(tail)

    async def _offer(self, sentence: str) -> None:
        failure = await asyncio.to_thread(self._check.failure, sentence, self._contexts) if sentence.strip() else None
        if failure is not None:
            self.held = failure
            log.info("stream.held", check=failure, released_chars=len(self.released))
            return
        self._released.append(sentence)
        await self._on_text(sentence)
