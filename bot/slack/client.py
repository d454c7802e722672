"""The Slack Web API client: pointed at ``SLACK_API_URL`` and retrying rate-limited calls."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import SlackSettings

RATE_LIMIT_RETRIES = 3


def api_base(settings: SlackSettings) -> str:
    """The Web API base URL with the trailing slash the SDK expects."""
    url = settings.api_url.strip()
    return url if url.endswith("/") else url + "/"


def make_web_client(settings: SlackSettings, token: str | None = None) -> AsyncWebClient:
    """A client for the configured Web API that waits out ``429``/``ratelimited`` (``Retry-After``) and retries.

    ``token`` defaults to the bot token.
    """
    if token is None and settings.bot_token is not None:
        token = settings.bot_token.get_secret_value()
    return AsyncWebClient(
        token=token,
        base_url=api_base(settings),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )
