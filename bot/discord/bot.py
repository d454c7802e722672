"""The Discord bot: dependencies in the constructor, cogs and the persistent feedback buttons in ``setup_hook``."""

from __future__ import annotations

from typing import Any

import discord
from discord.ext import commands

from bot.discord.callers import CallerResolver
from bot.discord.cogs.admin import AdminCog
from bot.discord.cogs.answers import AnswerCog
from bot.discord.cogs.commands import CommandsCog
from bot.discord.view import FeedbackView
from bot.logs import get_logger
from bot.platform import ChatServices
from bot.settings import DiscordSettings

log = get_logger(__name__)


def steward_intents() -> discord.Intents:
    """Guilds, guild and DM messages, and message content (a privileged intent: enable it in the portal)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = True
    return intents


class StewardBot(commands.Bot):
    """Steward on Discord. It only translates: every answer, command and vote goes through ``chat``."""

    def __init__(self, chat: ChatServices, settings: DiscordSettings, **kwargs: Any) -> None:
        kwargs.setdefault("command_prefix", commands.when_mentioned)
        kwargs.setdefault("help_command", None)
        kwargs.setdefault("intents", steward_intents())
        kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(**kwargs)
        self.chat = chat
        self.settings = settings
        self.callers = CallerResolver(self, settings.admin_roles)

    async def setup_hook(self) -> None:
        """Register the persistent 👍/👎/🔄 view, then load the cogs (messages and app commands)."""
        self.add_view(FeedbackView())
        await self.add_cog(AnswerCog(self))
        await self.add_cog(CommandsCog(self))
        await self.add_cog(AdminCog(self))

    async def on_ready(self) -> None:
        """Log who we are and where."""
        user = self.user
        log.info("discord.ready", user=str(user.id) if user else None, guilds=len(self.guilds))

    async def on_message(self, message: discord.Message, /) -> None:
        """Messages are handled by :class:`AnswerCog`; Steward has no prefix commands."""
