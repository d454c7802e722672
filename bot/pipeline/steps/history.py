"""Load the thread's earlier exchanges, so follow-up questions are understood in context."""

from __future__ import annotations

import asyncio

from bot.db.database import Database
from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn
from bot.store.history import thread_history


class HistoryStep:
    """Fills ``turn.history`` for messages in a thread (bounded by ``max_tokens``)."""

    name = "history"

    def __init__(self, database: Database, max_tokens: int) -> None:
        self._database = database
        self._max_tokens = max_tokens

    async def __call__(self, turn: Turn) -> Reply | None:
        """Read the history of the message's thread, if it has one."""
        msg = turn.message
        if msg.thread and self._max_tokens > 0:
            turn.history = await asyncio.to_thread(
                thread_history, self._database, msg.tenant, msg.platform, msg.channel, msg.thread, self._max_tokens
            )
        return None
