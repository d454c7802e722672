"""Answer one Discord message through the pipeline: typing, a streamed reply, sources and 👍/👎/🔄."""

from __future__ import annotations

import discord

from bot.discord.render import render_reply
from bot.discord.streaming import StreamedMessage
from bot.discord.view import FeedbackView
from bot.logs import get_logger
from bot.pipeline.message import IncomingMessage, InvalidMessage, Reply
from bot.pipeline.pipeline import Pipeline

log = get_logger(__name__)
FAILED = "Sorry, something went wrong while answering. Please try again in a moment."


class Answerer:
    """Streams the pipeline's answer into a channel and finishes it with citations and feedback buttons."""

    def __init__(self, pipeline: Pipeline, interval_s: float) -> None:
        self._pipeline = pipeline
        self._interval = interval_s

    async def answer(
        self, channel: discord.abc.Messageable, message: IncomingMessage, reference: discord.Message | None = None
    ) -> Reply | None:
        """Answer ``message`` in ``channel`` (replying to ``reference``); None when it could not be answered."""
        stream = StreamedMessage(channel, self._interval, reference)
        reply: Reply | None = None
        async with channel.typing():
            try:
                reply = await self._stream(message, stream)
            except InvalidMessage as exc:
                await stream.finish([f"Sorry: {exc}."])
                return None
            except Exception:
                log.exception("discord.answer_failed")
                await stream.finish([FAILED])
                return None
        view = FeedbackView(reply.answer_id) if reply.answer_id is not None else None
        await stream.finish(render_reply(reply), view)
        log.info("discord.answered", answer_id=str(reply.answer_id), status=reply.status, edits=stream.writes)
        return reply

    async def _stream(self, message: IncomingMessage, stream: StreamedMessage) -> Reply:
        text = ""
        async for item in self._pipeline.stream(message):
            if isinstance(item, Reply):
                return item
            text += item
            await stream.update(text)
        raise RuntimeError("the pipeline stream ended without a reply")
