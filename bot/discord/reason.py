"""The optional reason asked for after a 👎."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import discord


class ReasonModal(discord.ui.Modal, title="What was wrong with this answer?"):
    """A one-field form; submitting it stores the reason with the (already recorded) 👎."""

    reason: discord.ui.TextInput[ReasonModal] = discord.ui.TextInput(
        label="Reason (optional)",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=1000,
        placeholder="Wrong, outdated, missing a source…",
    )

    def __init__(self, record: Callable[[str], bool]) -> None:
        """``record(reason)`` stores the 👎 again, with the reason."""
        super().__init__(timeout=900)
        self._record = record

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Store the reason (redacted by the feedback store) and thank the user."""
        text = self.reason.value.strip()
        if text:
            await asyncio.to_thread(self._record, text)
        await interaction.response.send_message("Thanks: this helps us improve the answers. 👎 noted.", ephemeral=True)
