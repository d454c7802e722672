"""Slack over Socket Mode: an outbound websocket (no public URL), opened through ``SLACK_API_URL``."""

from __future__ import annotations

import asyncio

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp

from bot.logs import get_logger
from bot.settings import SlackSettings
from bot.slack.client import make_web_client

log = get_logger(__name__)


async def run_socket_mode(app: AsyncApp, settings: SlackSettings) -> None:
    """Connect with the app-level token and serve until cancelled; the connection is closed on the way out.

    ``apps.connections.open`` goes to ``settings.api_url`` (GovSlack, or a test server); the SDK
    reconnects by itself when Slack asks it to or the socket drops.
    """
    if settings.app_token is None or not settings.app_token.get_secret_value():
        raise ValueError("SLACK_APP_TOKEN is not set")
    handler = AsyncSocketModeHandler(
        app, app_token=settings.app_token.get_secret_value(), web_client=make_web_client(settings)
    )
    await handler.connect_async()
    log.info("slack.socket_mode_connected")
    try:
        await asyncio.Event().wait()
    finally:
        await handler.close_async()
        log.info("slack.socket_mode_closed")
