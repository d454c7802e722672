"""Answer one Discord message through the pipeline: typing, a streamed reply, sources and 👍/👎/🔄.

The chat core's ``StreamingSession`` decides what is shown and when; this module only renders it.
"""

from __future__ import annotations

import discord

from bot.chat.errors import ChatError
from bot.chat.streaming import StreamingSession
from bot.discord.render import render_reply
from bot.discord.streaming import StreamedMessage
from bot.discord.view import FeedbackView
from bot.logs import get_logger
from bot.pipeline.message import IncomingMessage, Reply
from bot.pipeline.pipeline import Pipeline

log = get_logger(__name__)


class DiscordAnswer:
    """One answer message, rendered as a Discord message that is posted once and then edited."""

    def __init__(self, stream: StreamedMessage) -> None:
        self._stream = stream

    async def start(self) -> None:
        """Nothing to post yet: the typing indicator shows that an answer is coming."""

    async def show(self, text: str) -> None:
        """The checked text so far, with a cursor."""
        await self._stream.show(text)

    async def finish(self, reply: Reply) -> None:
        """The final answer with its sources; the last message carries the feedback buttons."""
        view = FeedbackView(reply.answer_id) if reply.answer_id is not None else None
        await self._stream.finish(render_reply(reply), view)

    async def fail(self, error: ChatError) -> None:
        """The error reply, in place of the partial answer."""
        await self._stream.finish([f"Sorry: {error.text}." if error.user_error else error.text])


class Answerer:
    """Streams the pipeline's answer into a channel and finishes it with citations and feedback buttons."""

    def __init__(self, pipeline: Pipeline, interval_s: float) -> None:
        self._session = StreamingSession(pipeline, interval_s)
        self._interval = interval_s

    async def answer(
        self, channel: discord.abc.Messageable, message: IncomingMessage, reference: discord.Message | None = None
    ) -> Reply | None:
        """Answer ``message`` in ``channel`` (replying to ``reference``); None when it could not be answered."""
        stream = StreamedMessage(channel, self._interval, reference)
        async with channel.typing():
            reply = await self._session.run(message, DiscordAnswer(stream))
        if reply is not None:
            log.info("discord.answered", answer_id=str(reply.answer_id), status=reply.status, edits=stream.writes)
        return reply
