"""One answer message that grows as tokens arrive: posted once, then edited at most once per interval."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import discord

from bot.chat.throttle import Throttle
from bot.discord.render import preview


class StreamedMessage:
    """Posts the first partial text, edits it in place, then finishes it.

    The final write starts at least ``interval_s`` after the previous one completed; the streaming
    session spaces the partial writes the same way, which keeps an answer well inside Discord's edit
    rate limits.
    """

    def __init__(
        self,
        channel: discord.abc.Messageable,
        interval_s: float,
        reference: discord.Message | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._channel = channel
        self._throttle = Throttle(interval_s, clock)
        self._reference = reference.to_reference(fail_if_not_exists=False) if reference is not None else None
        self._message: discord.Message | None = None
        self._shown = ""
        self.writes = 0

    @property
    def message(self) -> discord.Message | None:
        """The message being streamed into (None until the first write)."""
        return self._message

    async def show(self, text: str) -> None:
        """Show the partial ``text`` now (the caller throttles: see ``bot.chat.streaming``)."""
        if text.strip():
            shown = preview(text)
            if shown != self._shown:  # past the length limit the preview stops changing
                await self._write(shown)

    async def finish(self, chunks: Sequence[str], view: discord.ui.View | None = None) -> list[discord.Message]:
        """Replace the partial text with the final ``chunks``; extra chunks follow as new messages.

        The last message carries ``view`` (the feedback buttons).
        """
        first, rest = chunks[0], list(chunks[1:])
        await self._throttle.wait()
        await self._write(first, None if rest else view)
        sent = [self._message] if self._message is not None else []
        for n, chunk in enumerate(rest):
            last = n == len(rest) - 1
            sent.append(await self._channel.send(chunk, **_options(view if last else None)))
        return sent

    async def _write(self, content: str, view: discord.ui.View | None = None) -> None:
        if self._message is None:
            options = _options(view)
            if self._reference is not None:
                options.update(reference=self._reference, mention_author=False)
            self._message = await self._channel.send(content, **options)
        else:
            self._message = await self._message.edit(content=content, view=view, suppress=True)
        self._shown = content
        self.writes += 1
        self._throttle.wrote()


def _options(view: discord.ui.View | None) -> dict[str, Any]:
    """Keyword arguments for ``send``: no link previews, and the view when there is one."""
    options: dict[str, Any] = {"suppress_embeds": True}
    if view is not None:
        options["view"] = view
    return options
