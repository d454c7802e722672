"""Building and running the bot, and syncing its app commands (``steward serve``, ``steward discord``)."""

from __future__ import annotations

from typing import Any

import discord

from bot.discord.bot import StewardBot
from bot.discord.endpoints import apply_endpoints
from bot.logs import get_logger
from bot.platform import ChatServices
from bot.settings import DiscordSettings

log = get_logger(__name__)


def _token(settings: DiscordSettings) -> str:
    if settings.bot_token is None:
        raise ValueError("DISCORD_BOT_TOKEN is not set")
    return settings.bot_token.get_secret_value()


def make_bot(chat: ChatServices, settings: DiscordSettings, **options: Any) -> StewardBot:
    """A bot wired to ``chat``, talking to Discord or to the REST/gateway URLs in ``settings``.

    ``options`` go to discord.py's client (for example ``guild_ready_timeout``).
    """
    api, gateway = apply_endpoints(settings)
    log.info("discord.endpoints", api=api, gateway=gateway)
    return StewardBot(chat, settings, **options)


async def run_discord(chat: ChatServices, settings: DiscordSettings) -> None:
    """Connect to the gateway and answer until cancelled (discord.py reconnects and resumes by itself)."""
    token = _token(settings)
    async with make_bot(chat, settings) as bot:
        await bot.start(token)


async def sync_commands(chat: ChatServices, settings: DiscordSettings, guild_id: int | None = None) -> list[str]:
    """Log in, publish the app commands (globally, or to one guild, which is instant), and return their names."""
    token = _token(settings)
    async with make_bot(chat, settings) as bot:
        await bot.login(token)
        guild = discord.Object(id=guild_id) if guild_id is not None else None
        if guild is not None:
            bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
    names = sorted(command.name for command in synced)
    log.info("discord.commands_synced", guild=guild_id, commands=names)
    return names
