"""The persistent 👍/👎/🔄 row under every answer."""

from __future__ import annotations

import uuid

import discord

from bot.discord.feedback import FeedbackButton
from bot.discord.regenerate import RegenerateButton

REGISTRATION_ID = uuid.UUID(int=0)  # any id: registering the view registers the buttons' id templates


class FeedbackView(discord.ui.View):
    """👍, 👎 and 🔄 Regenerate for one answer: no timeout, stable ``custom_id`` values, nothing kept per message.

    Its items are all dynamic items (:class:`FeedbackButton`, :class:`RegenerateButton`), so
    ``add_view(FeedbackView())`` once in ``setup_hook`` makes every answer's buttons work, including
    those sent before a restart; sending the view stores nothing per message either.
    """

    def __init__(self, answer_id: uuid.UUID | str = REGISTRATION_ID) -> None:
        super().__init__(timeout=None)
        self.add_item(FeedbackButton(str(answer_id), 1))
        self.add_item(FeedbackButton(str(answer_id), -1))
        self.add_item(RegenerateButton(str(answer_id)))
