"""Messages: @mentions in channels, DMs, and follow-ups in threads Steward answered in, each answered once."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.commands import Caller
from bot.discord.answerer import Answerer
from bot.discord.callers import PLATFORM
from bot.discord.ingesting import Ingester
from bot.logs import get_logger

if TYPE_CHECKING:
    from bot.discord.bot import StewardBot

log = get_logger(__name__)
NOT_A_MEMBER = (
    "I answer direct messages from members of the one server we share. "
    "Ask me in a server channel (mention me, or use `/ask`)."
)
_ANSWERABLE = (discord.MessageType.default, discord.MessageType.reply)


def thread_name(question: str) -> str:
    """A thread title from the question's first line (Discord allows 100 characters)."""
    first = question.strip().splitlines()[0] if question.strip() else "Question"
    return first[:90] + ("…" if len(first) > 90 else "")


class AnswerCog(commands.Cog):
    """Decides which messages Steward answers, dedupes them in the event ledger, and answers."""

    def __init__(self, bot: StewardBot) -> None:
        self.bot = bot
        self._answerer = Answerer(bot.chat.pipeline, bot.settings.stream_interval_s)
        self._ingester = Ingester(bot.chat)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer the message if it is addressed to Steward and was not answered before."""
        if not self._worth_a_look(message):
            return
        caller = await self.bot.callers.for_message(message)
        if caller is None:
            if message.guild is None:
                await message.channel.send(NOT_A_MEMBER)
            return
        if not await self._addressed(message, caller):
            return
        claimed = await asyncio.to_thread(self.bot.chat.ledger.claim, PLATFORM, caller.tenant, str(message.id))
        if not claimed:
            log.info("discord.duplicate_message", message_id=str(message.id), tenant=caller.tenant)
            return
        await self._respond(message, caller)

    def _worth_a_look(self, message: discord.Message) -> bool:
        """From a person, a normal message, and a DM, a mention, or in a thread."""
        if message.author.bot or message.webhook_id is not None or message.type not in _ANSWERABLE:
            return False
        return message.guild is None or self._mentioned(message) or isinstance(message.channel, discord.Thread)

    def _mentioned(self, message: discord.Message) -> bool:
        me = self.bot.user
        return me is not None and any(user.id == me.id for user in message.mentions)

    async def _addressed(self, message: discord.Message, caller: Caller) -> bool:
        if message.guild is None or self._mentioned(message):
            return True
        if caller.thread is None:
            return False
        known = self.bot.chat.threads.known
        return await asyncio.to_thread(known, PLATFORM, caller.tenant, caller.channel, caller.thread)

    def _question(self, message: discord.Message) -> str:
        me = self.bot.user
        text = message.content
        if me is not None:
            text = re.sub(rf"<@!?{me.id}>", " ", text)
        return text.strip()

    async def _respond(self, message: discord.Message, caller: Caller) -> None:
        question = self._question(message)
        if message.attachments:
            result = await self._ingester.ingest(caller, attachments=message.attachments)
            await message.reply(result, mention_author=False)
            if not question:
                return
        channel, caller = await self._destination(message, caller, question)
        reference = message if channel is message.channel else None
        await self._answerer.answer(channel, caller.message(question), reference)

    async def _destination(
        self, message: discord.Message, caller: Caller, question: str
    ) -> tuple[discord.abc.Messageable, Caller]:
        """Where to answer: a new thread per question when configured (in a plain text channel), else here."""
        if not (self.bot.settings.thread_per_question and isinstance(message.channel, discord.TextChannel)):
            return message.channel, caller
        try:
            thread = await message.create_thread(name=thread_name(question), auto_archive_duration=1440)
        except discord.HTTPException as exc:
            log.warning("discord.thread_failed", status=exc.status, channel=caller.channel)
            return message.channel, caller
        return thread, dataclasses.replace(caller, thread=str(thread.id))
