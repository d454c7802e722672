"""The 👀 reaction that shows Steward is working on a message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import get_logger

log = get_logger(__name__)
WORKING = "eyes"


class WorkingReaction:
    """Adds 👀 to a message on entry and removes it on exit; failing to react is only logged."""

    def __init__(self, client: AsyncWebClient, channel: str, ts: str, name: str = WORKING) -> None:
        self._client = client
        self._channel = channel
        self._ts = ts
        self._name = name

    async def __aenter__(self) -> WorkingReaction:
        await self._react(self._client.reactions_add)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._react(self._client.reactions_remove)

    async def _react(self, call: Callable[..., Awaitable[Any]]) -> None:
        try:
            await call(channel=self._channel, timestamp=self._ts, name=self._name)
        except SlackApiError as exc:
            log.info("slack.reaction_failed", name=self._name, error=str(exc.response.get("error")))
