"""The last step: the answer, as sent, goes on the audit chain."""

from __future__ import annotations

import asyncio

from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn
from governance.audit.events import AnswerSent
from governance.audit.log import AuditLog


class AuditStep:
    """Records ``answer_sent`` with the (redacted) answer, its citations, model, adapter and route."""

    name = "audit"

    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit

    async def __call__(self, turn: Turn) -> Reply | None:
        """Append the event."""
        answer, msg = turn.answer, turn.message
        if answer is None:
            raise RuntimeError("the audit step needs an answer")
        event = AnswerSent(
            tenant=msg.tenant,
            actor=msg.actor,
            channel=msg.channel,
            answer_id=str(turn.answer_id or ""),
            text=answer.text,
            mode=answer.mode,
            model=answer.model,
            adapter=answer.adapter,
            route_reason=answer.route_reason,
            citations=[c.source for c in answer.citations],
        )
        await asyncio.to_thread(self._audit.record, event)
        return None
