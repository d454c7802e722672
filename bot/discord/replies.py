"""Sending results back to an interaction: private (ephemeral) follow-ups, split under the length limit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.discord.render import split_message


async def follow_up(
    interaction: discord.Interaction[Any], chunks: Sequence[str] | str, view: discord.ui.View | None = None
) -> None:
    """Send the chunks as ephemeral follow-ups of a deferred interaction; the last carries ``view``."""
    parts = split_message(chunks) if isinstance(chunks, str) else list(chunks)
    for n, part in enumerate(parts):
        options: dict[str, Any] = {"ephemeral": True, "suppress_embeds": True}
        if view is not None and n == len(parts) - 1:
            options["view"] = view
        await interaction.followup.send(part, **options)


async def say(interaction: discord.Interaction[Any], text: str) -> None:
    """Tell the user something privately, whether or not the interaction was answered or deferred yet."""
    if interaction.response.is_done():
        await follow_up(interaction, text)
    else:
        await interaction.response.send_message(split_message(text)[0], ephemeral=True, suppress_embeds=True)
