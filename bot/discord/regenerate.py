"""The 🔄 button: answer the same question again, as a new answer with its own sources and buttons.

Like :class:`~bot.discord.feedback.FeedbackButton` it is a discord.py ``DynamicItem`` whose
``custom_id`` (``steward:regen:<answer id>``) carries the answer id, so it works on answers sent
before a restart. The new answer records the one it replaces (``regenerated_from``), which lets the
learning loop turn "👎 the answer, then 👍 its regeneration in the same thread" into a preference pair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import discord

from bot.chat.errors import REGENERATE_FAILED
from bot.commands import Caller
from bot.discord.render import render_reply
from bot.discord.replies import follow_up, say
from bot.discord.streaming import StreamedMessage
from bot.logs import get_logger
from bot.pipeline.message import InvalidMessage, Reply

if TYPE_CHECKING:
    from bot.discord.bot import StewardBot

TEMPLATE = r"steward:regen:(?P<answer>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
NO_SERVER = "Sorry: I can't tell which server this is for."
GONE = "That answer is no longer available, so it can't be regenerated."
log = get_logger(__name__)


def custom_id(answer_id: object) -> str:
    """The stable ``custom_id`` of an answer's 🔄 button."""
    return f"steward:regen:{answer_id}"


def public_channel(interaction: discord.Interaction[Any]) -> discord.abc.Messageable | None:
    """Where the clicked answer is, to answer again there; None for a private (``/ask``) answer."""
    message = interaction.message
    if message is not None and message.flags.ephemeral:
        return None
    channel = interaction.channel
    return channel if isinstance(channel, discord.abc.Messageable) else None


async def regenerate(
    bot: StewardBot, caller: Caller, answer_id: str, channel: discord.abc.Messageable | None
) -> Reply | None:
    """The new reply (showing *typing…* in ``channel`` meanwhile); None when the answer is unknown here."""
    if channel is None:
        return await bot.chat.commands.regenerate(caller, answer_id)
    async with channel.typing():
        return await bot.chat.commands.regenerate(caller, answer_id)


async def show(
    interaction: discord.Interaction[Any], reply: Reply, channel: discord.abc.Messageable | None, interval_s: float
) -> None:
    """Post a new answer in ``channel`` under the old one; a private answer or a refusal goes to the clicker only."""
    from bot.discord.view import FeedbackView  # the view holds this button: imported here to avoid a cycle

    view = FeedbackView(reply.answer_id) if reply.answer_id is not None else None
    if channel is None or view is None:
        await follow_up(interaction, render_reply(reply), view)
        return
    await StreamedMessage(channel, interval_s, interaction.message).finish(render_reply(reply), view)


class RegenerateButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=TEMPLATE):
    """🔄 Regenerate: the clicking user asks the answer's question again, in the guild's tenant."""

    def __init__(self, answer_id: str) -> None:
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            style=discord.ButtonStyle.secondary, emoji="🔄", label="Regenerate", custom_id=custom_id(answer_id)
        )
        super().__init__(button)
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> RegenerateButton:
        """Rebuild the button from a clicked ``custom_id`` (how clicks survive restarts)."""
        return cls(match["answer"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Acknowledge at once, answer again, and show the new answer (or say why there is none)."""
        await interaction.response.defer()
        bot = cast("StewardBot", interaction.client)
        caller = await bot.callers.for_interaction(interaction)
        if caller is None:
            await say(interaction, NO_SERVER)
            return
        channel = public_channel(interaction)
        try:
            reply = await regenerate(bot, caller, self.answer_id, channel)
        except InvalidMessage as exc:
            await say(interaction, f"Sorry: {exc}.")
            return
        except Exception:
            log.exception("discord.regenerate_failed", answer_id=self.answer_id)
            await say(interaction, REGENERATE_FAILED)
            return
        if reply is None:
            await say(interaction, GONE)
            return
        await show(interaction, reply, channel, bot.settings.stream_interval_s)
        log.info("discord.regenerated", answer_id=self.answer_id, new_answer_id=str(reply.answer_id))
