"""One Slack message that Steward edits in place, no more often than once per interval."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.throttle import Throttle


class MessageEditor:
    """Posts a message, then edits it with ``chat.update`` at least ``interval_s`` apart.

    The interval is measured from the end of the previous call (the chat core's ``Throttle``), so Slack
    never sees two calls for this message closer together than that, whatever the network does.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        channel: str,
        ts: str,
        interval_s: float,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.client = client
        self.channel = channel
        self.ts = ts
        self._throttle = Throttle(interval_s, clock)
        self._throttle.wrote()  # the post itself
        self.edits = 0

    @classmethod
    async def post(
        cls, client: AsyncWebClient, channel: str, text: str, interval_s: float, thread_ts: str | None = None
    ) -> MessageEditor:
        """Post ``text`` (in ``thread_ts`` when given) and return an editor for it."""
        response = await client.chat_postMessage(channel=channel, text=text, thread_ts=thread_ts)
        return cls(client, str(response.get("channel") or channel), str(response["ts"]), interval_s)

    def due(self) -> bool:
        """Whether an edit now would not have to wait."""
        return self._throttle.due()

    async def edit(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Replace the message (waiting out the interval first)."""
        await self._throttle.wait()
        try:
            await self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)
        finally:
            self._throttle.wrote()
            self.edits += 1
