"""An answer streamed into Slack: a placeholder, edited as checked sentences arrive, then the final blocks.

The chat core's ``StreamingSession`` decides what is shown and when; this module only renders it.
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.errors import ChatError
from bot.chat.streaming import StreamingSession
from bot.pipeline.message import IncomingMessage, Reply
from bot.pipeline.pipeline import Pipeline
from bot.slack.blocks import escape, notice_blocks, reply_blocks, reply_text
from bot.slack.editor import MessageEditor

PLACEHOLDER = "_Thinking…_"
CURSOR = " ▌"


class SlackAnswer:
    """One answer message in a channel or thread, rendered with ``chat.postMessage`` and ``chat.update``."""

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str | None, interval_s: float) -> None:
        self._client = client
        self._channel = channel
        self._thread_ts = thread_ts
        self._interval_s = interval_s
        self._editor: MessageEditor | None = None

    async def start(self) -> None:
        """Post the placeholder that the answer will replace."""
        self._editor = await MessageEditor.post(
            self._client, self._channel, PLACEHOLDER, self._interval_s, self._thread_ts
        )

    async def show(self, text: str) -> None:
        """The checked text so far, with a cursor."""
        await self._posted().edit(escape(text) + CURSOR)

    async def finish(self, reply: Reply) -> None:
        """The final answer with its sources and feedback buttons."""
        await self._posted().edit(reply_text(reply), reply_blocks(reply))

    async def fail(self, error: ChatError) -> None:
        """The error reply, in place of the placeholder (or as a new message before there is one)."""
        text = f"⚠️ {error.text}" if error.user_error else error.text
        if self._editor is None:
            await self._client.chat_postMessage(channel=self._channel, thread_ts=self._thread_ts, text=text)
        else:
            shown = f"⚠️ {escape(error.text)}" if error.user_error else escape(error.text)
            await self._editor.edit(text, notice_blocks(shown))

    def _posted(self) -> MessageEditor:
        if self._editor is None:
            raise RuntimeError("the answer message was not posted yet")
        return self._editor


class StreamingReply:
    """Answers one message in a channel or thread, editing the answer in place while it is generated."""

    def __init__(self, client: AsyncWebClient, pipeline: Pipeline, interval_s: float) -> None:
        self._client = client
        self._session = StreamingSession(pipeline, interval_s)
        self._interval_s = interval_s

    async def answer(self, msg: IncomingMessage, channel: str, thread_ts: str | None) -> Reply | None:
        """Post, stream and finish the answer; None when the message could not be answered."""
        return await self._session.run(msg, SlackAnswer(self._client, channel, thread_ts, self._interval_s))
