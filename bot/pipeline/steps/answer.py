"""Generate the grounded answer (or the abstention) from what was retrieved."""

from __future__ import annotations

import asyncio

from agents.agent import AnswerAgent
from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn


class AnswerStep:
    """Ask the model, with the retrieved context numbered for citation."""

    name = "answer"

    def __init__(self, agent: AnswerAgent) -> None:
        self._agent = agent

    async def __call__(self, turn: Turn) -> Reply | None:
        """Fill ``turn.answer``."""
        if turn.retrieval is None:
            raise RuntimeError("the answer step needs the retrieve step before it")
        if turn.on_token is None:
            turn.answer = await asyncio.to_thread(self._agent.generate, turn.retrieval, turn.restricted)
        else:
            turn.answer = await self._agent.agenerate(turn.retrieval, turn.restricted, turn.on_token)
        turn.timings_ms["generate"] = turn.answer.latency_ms.get("generate", 0.0)
        if "ttft" in turn.answer.latency_ms:
            turn.timings_ms["ttft"] = turn.answer.latency_ms["ttft"]
        return None
