"""Retrieve the chunks that may answer the question, within the message's scope."""

from __future__ import annotations

import asyncio

from agents.agent import AnswerAgent
from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn


class RetrieveStep:
    """Top-k retrieval over the turn's scope."""

    name = "retrieve"

    def __init__(self, agent: AnswerAgent) -> None:
        self._agent = agent

    async def __call__(self, turn: Turn) -> Reply | None:
        """Fill ``turn.retrieval``."""
        if turn.scope is None:
            raise RuntimeError("the retrieve step needs the scope step before it")
        turn.retrieval = await asyncio.to_thread(self._agent.retrieve, turn.text, turn.scope, None, tuple(turn.history))
        turn.timings_ms["retrieve"] = turn.retrieval.latency_ms
        return None
