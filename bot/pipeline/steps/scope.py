"""Decide which knowledge the message may see: its tenant, and its channel's collections."""

from __future__ import annotations

import asyncio

from agents.collections import Collections
from agents.retrieval.store import Scope
from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn


class ScopeStep:
    """Explicit collections win (CLI, slash commands); otherwise the channel's mapping; unmapped: all."""

    name = "scope"

    def __init__(self, collections: Collections) -> None:
        self._collections = collections

    async def __call__(self, turn: Turn) -> Reply | None:
        """Fill ``turn.scope``."""
        msg = turn.message
        if msg.collections:
            turn.scope = Scope(msg.tenant, msg.collections)
            return None
        mapped = await asyncio.to_thread(self._collections.channel_scope, msg.tenant, msg.platform, msg.channel)
        turn.scope = Scope(msg.tenant, mapped)
        return None
