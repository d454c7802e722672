"""Who a Slack user is to Steward: workspace admin or guest, from ``users.info``, cached per process."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Caller
from bot.logs import get_logger

log = get_logger(__name__)
PLATFORM = "slack"


@dataclass(frozen=True)
class UserFlags:
    """What Slack says about a user: owners and admins are admins; (single-channel) guests are guests."""

    admin: bool = False
    guest: bool = False


def flags_of(user: dict) -> UserFlags:
    """Read the flags from a ``users.info`` user object."""
    admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
    guest = bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
    return UserFlags(admin=admin and not guest, guest=guest)


class UserDirectory:
    """Looks users up with ``users.info`` and keeps the answer for ``ttl_s`` seconds.

    A failed lookup is not cached and counts as an ordinary member (neither admin nor guest).
    """

    def __init__(
        self, client: AsyncWebClient, ttl_s: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, UserFlags]] = {}

    async def flags(self, team: str, user: str) -> UserFlags:
        """The user's admin/guest flags (cached)."""
        key = (team, user)
        cached = self._cache.get(key)
        if cached is not None and self._clock() - cached[0] < self._ttl_s:
            return cached[1]
        try:
            response = await self._client.users_info(user=user)
        except SlackApiError as exc:
            log.warning("slack.users_info_failed", user=user, error=str(exc.response.get("error")))
            return UserFlags()
        found = flags_of(response.get("user") or {})
        self._cache[key] = (self._clock(), found)
        return found

    async def caller(self, team: str, channel: str, user: str, thread: str | None = None) -> Caller:
        """The platform-neutral caller for a user acting in a channel (and thread)."""
        found = await self.flags(team, user)
        return Caller(PLATFORM, team, channel, user, found.admin, found.guest, thread)
