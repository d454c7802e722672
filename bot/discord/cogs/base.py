"""What the app-command cogs share: the bot, the caller of an interaction, and error handling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.admin import NotAllowed
from bot.commands import Caller
from bot.discord.replies import say
from bot.logs import get_logger

if TYPE_CHECKING:
    from bot.discord.bot import StewardBot

log = get_logger(__name__)
FAILED = "Sorry, something went wrong. Please try again in a moment."
NO_GUILD = "Sorry: use this command in a server channel."


class StewardCog(commands.Cog):
    """A cog with the bot's services, the interaction's caller, and a private error message on failure."""

    def __init__(self, bot: StewardBot) -> None:
        self.bot = bot

    async def caller(self, interaction: discord.Interaction[Any]) -> Caller | None:
        """The caller, or None after telling the user why there is none."""
        caller = await self.bot.callers.for_interaction(interaction)
        if caller is None:
            await say(interaction, NO_GUILD)
        return caller

    async def cog_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """A policy refusal from a service is shown with its reason; anything else is logged, and apologised for."""
        original = getattr(error, "original", error)
        if isinstance(original, NotAllowed):
            await say(interaction, f"Sorry: {original}.")
            return
        command = getattr(interaction.command, "name", None)
        log.error("discord.command_failed", command=command, error=repr(original))
        await say(interaction, FAILED)
