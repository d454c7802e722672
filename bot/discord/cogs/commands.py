"""App commands for everyone: ``/ask``, ``/sources``, ``/forget-me`` and ``/help``.

Slow work is deferred (the user sees "thinking…"), then followed up privately. Policy and audit
happen in the services these call.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord import app_commands

from bot.discord.cogs.base import StewardCog
from bot.discord.render import render_forgotten, render_help, render_reply, render_sources
from bot.discord.replies import follow_up, say
from bot.discord.view import FeedbackView
from bot.pipeline.message import MAX_QUESTION_CHARS, InvalidMessage


class CommandsCog(StewardCog):
    """``/ask``, ``/sources``, ``/forget-me``, ``/help``."""

    @app_commands.command(name="ask", description="Ask a question; only you see the answer.")
    @app_commands.describe(question="What do you want to know?")
    @app_commands.guild_only()
    async def ask(
        self, interaction: discord.Interaction[Any], question: app_commands.Range[str, 1, MAX_QUESTION_CHARS]
    ) -> None:
        """Answer through the governed pipeline, deferred then followed up."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        caller = await self.caller(interaction)
        if caller is None:
            return
        try:
            reply = await self.bot.chat.commands.ask(caller, question)
        except InvalidMessage as exc:
            await follow_up(interaction, f"Sorry: {exc}.")
            return
        view = FeedbackView(reply.answer_id) if reply.answer_id is not None else None
        await follow_up(interaction, render_reply(reply), view)

    @app_commands.command(name="sources", description="The documents this channel can search.")
    @app_commands.guild_only()
    async def sources(self, interaction: discord.Interaction[Any]) -> None:
        """List the channel's documents."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        caller = await self.caller(interaction)
        if caller is not None:
            found = await asyncio.to_thread(self.bot.chat.commands.sources, caller)
            await follow_up(interaction, render_sources(found))

    @app_commands.command(name="forget-me", description="Erase your questions, answers and feedback.")
    @app_commands.guild_only()
    async def forget_me(self, interaction: discord.Interaction[Any]) -> None:
        """Erase the caller's own data in this server (audited)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        caller = await self.caller(interaction)
        if caller is not None:
            removed = await asyncio.to_thread(self.bot.chat.commands.forget_me, caller)
            await follow_up(interaction, render_forgotten(removed))

    @app_commands.command(name="help", description="What Steward does and how to use it.")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        """Show the help text."""
        await say(interaction, render_help(self.bot.chat.commands.help()))
