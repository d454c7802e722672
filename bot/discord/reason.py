"""The optional reason asked for after a 👎."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

import discord

from bot.store.feedback import Vote


class ReasonModal(discord.ui.Modal, title="What was wrong with this answer?"):
    """A one-field form; submitting it stores the reason with the (already recorded) 👎."""

    reason: discord.ui.TextInput[ReasonModal] = discord.ui.TextInput(
        label="Reason (optional)",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=1000,
        placeholder="Wrong, outdated, missing a source…",
    )

    def __init__(self, vote: Vote, record: Callable[[Vote], bool]) -> None:
        super().__init__(timeout=900)
        self._vote = vote
        self._record = record

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Store the reason (redacted by the feedback store) and thank the user."""
        text = self.reason.value.strip()
        if text:
            await asyncio.to_thread(self._record, dataclasses.replace(self._vote, comment=text))
        await interaction.response.send_message("Thanks: this helps us improve the answers. 👎 noted.", ephemeral=True)
