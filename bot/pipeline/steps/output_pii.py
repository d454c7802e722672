"""The output PII check: PII in the answer that the retrieved passages do not contain is redacted."""

from __future__ import annotations

import asyncio
import dataclasses

from bot.logs import get_logger
from bot.pipeline.message import Reply
from bot.pipeline.output_check import OutputCheck
from bot.pipeline.turn import Turn
from governance.audit.events import ModerationFlagged
from governance.audit.log import AuditLog

log = get_logger(__name__)


class OutputPIIStep:
    """Replace made-up or leaked PII in the answer by ``<KIND>`` and audit it (kinds only, never values).

    Runs after output moderation and before the record step, so the stored, audited and shown answer
    are the same; the asker's own placeholders are not PII and are restored later by ``RestoreStep``.
    """

    name = "output_pii"

    def __init__(self, check: OutputCheck, audit: AuditLog) -> None:
        self._check = check
        self._audit = audit

    async def __call__(self, turn: Turn) -> Reply | None:
        """Redact ``turn.answer`` in place when it carries foreign PII."""
        if turn.answer is None or turn.retrieval is None:
            return None
        contexts = [d.page_content for d in turn.retrieval.documents]
        text, kinds = await asyncio.to_thread(self._check.redact_pii, turn.answer.text, contexts)
        if not kinds:
            return None
        turn.answer = dataclasses.replace(turn.answer, text=text)
        turn.flags.append(("output", "pii"))
        await asyncio.to_thread(self._audit.record, self._event(turn, kinds))
        log.warning("output.pii_redacted", kinds=sorted(set(kinds)))
        return None

    @staticmethod
    def _event(turn: Turn, kinds: list[str]) -> ModerationFlagged:
        msg = turn.message
        return ModerationFlagged(
            tenant=msg.tenant,
            actor=msg.actor,
            channel=msg.channel,
            surface="output",
            category="pii",
            action="redact",
            layer="output_pii",
            score=1.0,
            detail=",".join(sorted(set(kinds))),
        )
