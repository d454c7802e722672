"""Moderation of the user's input and of the model's output (retrieved chunks: see ``retrieve``)."""

from __future__ import annotations

import asyncio
import dataclasses

from bot.logs import get_logger
from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn
from governance.audit.events import ModerationFlagged
from governance.audit.log import AuditLog
from governance.moderation.chain import ModerationChain
from governance.moderation.verdict import Action, Surface, Verdict

log = get_logger(__name__)
ESCALATED = "I can't answer that here. I've flagged it for your workspace admins to review."


def flag_event(turn: Turn, surface: Surface, verdict: Verdict, detail: str = "") -> ModerationFlagged:
    """The audit event for a flagged text (never the text itself)."""
    msg = turn.message
    return ModerationFlagged(
        tenant=msg.tenant,
        actor=msg.actor,
        channel=msg.channel,
        surface=surface,
        category=str(verdict.category),
        action=str(verdict.action),
        layer=verdict.layer,
        score=round(float(verdict.score), 3),
        detail=detail,
    )


class _Moderate:
    surface: Surface

    def __init__(self, moderator: ModerationChain, audit: AuditLog) -> None:
        self._moderator = moderator
        self._audit = audit

    async def _verdict(self, turn: Turn, text: str) -> Verdict:
        verdict = await asyncio.to_thread(self._moderator.check, text, self.surface)
        if verdict.flagged:
            turn.flags.append((self.surface, str(verdict.category)))
            await asyncio.to_thread(self._audit.record, flag_event(turn, self.surface, verdict))
            log.warning(
                "moderation.flagged",
                surface=self.surface,
                category=str(verdict.category),
                action=str(verdict.action),
                escalate=verdict.action is Action.ESCALATE,
            )
        return verdict

    @staticmethod
    def _refusal(turn: Turn, verdict: Verdict) -> Reply | None:
        if verdict.action is Action.BLOCK:
            return Reply.refusal(f"Sorry, I can't help with that: {verdict.reason}", "blocked", turn.request_id)
        if verdict.action is Action.ESCALATE:
            return Reply.refusal(ESCALATED, "escalated", turn.request_id)
        return None


class ModerateInputStep(_Moderate):
    """Block, redact or escalate the (already PII-redacted) question."""

    name = "moderate_input"
    surface: Surface = "input"

    async def __call__(self, turn: Turn) -> Reply | None:
        """Stop with a clear message, or continue (with terms redacted)."""
        verdict = await self._verdict(turn, turn.text)
        if verdict.action is Action.REDACT and verdict.redacted_text is not None:
            turn.text = verdict.redacted_text
        return self._refusal(turn, verdict)


class ModerateOutputStep(_Moderate):
    """Check the answer before anyone sees it (a streamed draft is replaced by the final text)."""

    name = "moderate_output"
    surface: Surface = "output"

    async def __call__(self, turn: Turn) -> Reply | None:
        """Replace a flagged answer by a refusal, or redact terms in it."""
        if turn.answer is None:
            raise RuntimeError("output moderation needs an answer")
        verdict = await self._verdict(turn, turn.answer.text)
        if verdict.action is Action.REDACT and verdict.redacted_text is not None:
            turn.answer = dataclasses.replace(turn.answer, text=verdict.redacted_text)
        refusal = self._refusal(turn, verdict)
        if refusal is not None:
            turn.answer = dataclasses.replace(
                turn.answer, text=refusal.text, citations=[], mode="withheld", route_reason="withheld by moderation"
            )
        return None
