"""The governed pipeline: an ordered chain of small steps, run for every message from every adapter."""

from __future__ import annotations

from collections.abc import Sequence

from bot.logs import get_logger, request_context
from bot.pipeline.message import IncomingMessage, Reply
from bot.pipeline.steps.base import Step
from bot.pipeline.turn import Turn

log = get_logger(__name__)


class Pipeline:
    """Runs the steps in order; a step may stop the chain early by returning a ``Reply``."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = list(steps)

    async def handle(self, message: IncomingMessage) -> Reply:
        """Answer one message. Raises ``InvalidMessage`` (with a user-facing reason) for bad input."""
        message.validate()
        with request_context(actor=f"{message.platform}:{message.user}", tenant=message.tenant) as request_id:
            turn = Turn(message=message, request_id=request_id)
            for step in self.steps:
                early = await step(turn)
                if early is not None:
                    return early
            turn.timings_ms["total"] = turn.elapsed_ms()
            reply = self._reply(turn)
            log.info(
                "pipeline.answered",
                answer_id=str(reply.answer_id),
                model=reply.model,
                abstained=reply.abstained,
                citations=len(reply.citations),
                **turn.timings_ms,
            )
            return reply

    @staticmethod
    def _reply(turn: Turn) -> Reply:
        answer = turn.answer
        if answer is None:
            raise RuntimeError("the pipeline ended without an answer")
        return Reply(
            text=answer.text,
            citations=answer.citations,
            model=answer.model,
            abstained=answer.abstained,
            answer_id=turn.answer_id,
            request_id=turn.request_id,
            latency_ms=dict(turn.timings_ms),
        )
