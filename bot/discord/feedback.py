"""A 👍/👎 button whose ``custom_id`` carries the answer id, so clicks work after a restart.

The button is a discord.py ``DynamicItem``: once registered (``add_view`` of a
:class:`~bot.discord.view.FeedbackView` in ``setup_hook``), any click on ``steward:fb:up:<answer id>``
or ``steward:fb:down:<answer id>``, on a message from this process or an earlier one, is rebuilt
from its ``custom_id`` and handled here.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.discord.reason import ReasonModal
from bot.logs import get_logger

if TYPE_CHECKING:
    from bot.discord.bot import StewardBot

TEMPLATE = r"steward:fb:(?P<rating>up|down):(?P<answer>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
log = get_logger(__name__)


def custom_id(answer_id: uuid.UUID | str, rating: int) -> str:
    """The stable ``custom_id`` of a feedback button."""
    return f"steward:fb:{'up' if rating > 0 else 'down'}:{answer_id}"


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=TEMPLATE):
    """One vote button; the click records the vote (👎 then asks for an optional reason)."""

    def __init__(self, answer_id: str, rating: int) -> None:
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            style=discord.ButtonStyle.secondary,
            emoji="👍" if rating > 0 else "👎",
            custom_id=custom_id(answer_id, rating),
        )
        super().__init__(button)
        self.answer_id = answer_id
        self.rating = rating

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> FeedbackButton:
        """Rebuild the button from a clicked ``custom_id`` (how clicks survive restarts)."""
        return cls(match["answer"], 1 if match["rating"] == "up" else -1)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the vote as the clicking user, in the guild's tenant."""
        bot = cast("StewardBot", interaction.client)
        caller = await bot.callers.for_interaction(interaction)
        if caller is None:
            await interaction.response.send_message("Sorry: I can't tell which server this is for.", ephemeral=True)
            return
        record = functools.partial(bot.chat.commands.record_feedback, caller, self.answer_id, self.rating)
        stored = await asyncio.to_thread(record)
        log.info("discord.feedback", answer_id=self.answer_id, rating=self.rating, stored=stored)
        if not stored:
            await interaction.response.send_message("That answer is no longer available.", ephemeral=True)
        elif self.rating < 0:
            await interaction.response.send_modal(ReasonModal(record))
        else:
            await interaction.response.send_message("Thanks for the feedback! 👍", ephemeral=True)
