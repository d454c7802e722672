"""Generate the grounded answer (or the abstention) from what was retrieved."""

from __future__ import annotations

import asyncio

from agents.agent import AnswerAgent
from bot.pipeline.message import Reply
from bot.pipeline.output_check import OutputCheck
from bot.pipeline.stream_gate import StreamGate
from bot.pipeline.turn import Turn


class AnswerStep:
    """Ask the model, with the retrieved context numbered for citation.

    When the caller streams (``turn.on_token``), it receives only sentences that passed ``check``
    (see ``StreamGate``), never the model's raw tokens.
    """

    name = "answer"

    def __init__(self, agent: AnswerAgent, check: OutputCheck) -> None:
        self._agent = agent
        self._check = check

    async def __call__(self, turn: Turn) -> Reply | None:
        """Fill ``turn.answer``."""
        retrieval = turn.retrieval
        if retrieval is None:
            raise RuntimeError("the answer step needs the retrieve step before it")
        if turn.on_token is None:
            turn.answer = await asyncio.to_thread(self._agent.generate, retrieval, turn.restricted)
        else:
            gate = StreamGate(self._check, [d.page_content for d in retrieval.documents], turn.on_token)
            turn.answer = await self._agent.agenerate(retrieval, turn.restricted, gate.feed)
            await gate.finish(turn.answer.text)
        turn.timings_ms["generate"] = turn.answer.latency_ms.get("generate", 0.0)
        if "ttft" in turn.answer.latency_ms:
            turn.timings_ms["ttft"] = turn.answer.latency_ms["ttft"]
        return None
