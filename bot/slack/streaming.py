"""An answer streamed into Slack: a placeholder in the thread, edited as tokens arrive, then the final blocks."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import get_logger
from bot.pipeline.message import IncomingMessage, InvalidMessage, Reply
from bot.pipeline.pipeline import Pipeline
from bot.slack.blocks import escape, notice_blocks, reply_blocks, reply_text
from bot.slack.editor import MessageEditor

log = get_logger(__name__)
PLACEHOLDER = "_Thinking…_"
CURSOR = " ▌"
FAILED = "Sorry, something went wrong while answering. Please try again in a moment."


class StreamingReply:
    """Answers one message in a channel or thread, editing the answer in place while it is generated."""

    def __init__(self, client: AsyncWebClient, pipeline: Pipeline, interval_s: float) -> None:
        self._client = client
        self._pipeline = pipeline
        self._interval_s = interval_s

    async def answer(self, msg: IncomingMessage, channel: str, thread_ts: str | None) -> Reply | None:
        """Post, stream and finish the answer; None when the message could not be answered."""
        try:
            msg.validate()
        except InvalidMessage as exc:
            await self._client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=f"⚠️ {exc}")
            return None
        editor = await MessageEditor.post(self._client, channel, PLACEHOLDER, self._interval_s, thread_ts)
        try:
            reply = await self._stream(msg, editor)
        except InvalidMessage as exc:
            await editor.edit(f"⚠️ {exc}", notice_blocks(f"⚠️ {escape(str(exc))}"))
            return None
        except Exception:
            log.exception("slack.answer_failed", channel=channel)
            await editor.edit(FAILED, notice_blocks(FAILED))
            return None
        await editor.edit(reply_text(reply), reply_blocks(reply))
        return reply

    async def _stream(self, msg: IncomingMessage, editor: MessageEditor) -> Reply:
        """Feed tokens into the message (at most once per interval) until the final reply arrives."""
        text, shown = "", ""
        async for item in self._pipeline.stream(msg):
            if isinstance(item, Reply):
                return item
            text += item
            if text.strip() and text != shown and editor.due():
                await editor.edit(escape(text) + CURSOR)
                shown = text
        raise RuntimeError("the answer stream ended without a reply")
