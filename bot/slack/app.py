"""Build the Slack app: a bolt ``AsyncApp`` whose listeners translate Slack payloads into Steward's services."""

from __future__ import annotations

import secrets

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import get_logger
from bot.platform import ChatServices
from bot.settings import SlackSettings
from bot.slack.blocks import REASON_VIEW, REGENERATE, VOTE_ACTIONS
from bot.slack.client import make_web_client
from bot.slack.commands import COMMAND, SlashCommands
from bot.slack.feedback import FeedbackHandler
from bot.slack.files import FileDownloader
from bot.slack.messages import MessageHandler
from bot.slack.regenerate import RegenerateHandler
from bot.slack.users import UserDirectory

log = get_logger(__name__)


async def _ack_event(ack: AsyncAck) -> None:
    """Events are acknowledged at once; the lazy listener does the work."""
    await ack()


def _signing_secret(settings: SlackSettings) -> str:
    """The signing secret; without one, a random secret nobody knows, so every HTTP request is refused."""
    if settings.signing_secret is not None and settings.signing_secret.get_secret_value():
        return settings.signing_secret.get_secret_value()
    log.warning("slack.no_signing_secret", detail="HTTP requests will be refused; Socket Mode still works")
    return secrets.token_hex(32)


def build_slack_app(chat: ChatServices, settings: SlackSettings, client: AsyncWebClient | None = None) -> AsyncApp:
    """The Slack app for ``chat``: mentions, DMs, thread follow-ups, ``/steward``, feedback, 🔄 and file ingest.

    ``client`` defaults to a Web API client for ``settings.api_url`` with the bot token that honours
    rate limits. Mount it over HTTP with :func:`bot.slack.http.slack_router`, or connect it with
    :func:`bot.slack.socket.run_socket_mode`.
    """
    if client is None:
        if settings.bot_token is None or not settings.bot_token.get_secret_value():
            raise ValueError("SLACK_BOT_TOKEN is not set")
        client = make_web_client(settings)
    app = AsyncApp(
        name="steward",
        client=client,
        signing_secret=_signing_secret(settings),
        process_before_response=False,
        ignoring_self_events_enabled=True,
    )
    users = UserDirectory(client)
    interval = settings.stream_interval_s
    downloader = FileDownloader(client.token or "", chat.max_upload_mb)
    messages = MessageHandler(chat, users, downloader, interval, settings.answer_bots)
    app.event("app_mention")(ack=_ack_event, lazy=[messages.on_mention])
    app.event("message")(ack=_ack_event, lazy=[messages.on_message])
    commands = SlashCommands(chat.commands, users, chat.default_collection, interval)
    app.command(COMMAND)(ack=commands.ack, lazy=[commands.run])
    feedback = FeedbackHandler(chat.commands)
    app.action(VOTE_ACTIONS)(feedback.on_vote)
    app.view(REASON_VIEW)(feedback.on_reason)
    app.action(REGENERATE)(RegenerateHandler(chat.commands, users).on_regenerate)
    return app
