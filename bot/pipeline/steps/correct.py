"""Admin corrections: "!correct <the right answer>" in a thread is recorded for tuning, not answered."""

from __future__ import annotations

import asyncio

from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn
from bot.store.corrections import CorrectionStore
from governance.audit.events import FeedbackGiven
from governance.audit.log import AuditLog
from governance.policy.rbac import Policy, Subject


class CorrectionStep:
    """Runs after redaction, so the stored correction is redacted like everything else."""

    name = "correct"

    def __init__(self, prefix: str, policy: Policy, store: CorrectionStore, audit: AuditLog) -> None:
        self._prefix = prefix.strip().lower()
        self._policy = policy
        self._store = store
        self._audit = audit

    async def __call__(self, turn: Turn) -> Reply | None:
        """Stop with an acknowledgement when the message is an admin's correction."""
        text = turn.text.strip()
        if not text.lower().startswith(self._prefix):
            return None
        msg = turn.message
        subject = Subject(msg.tenant, msg.actor, msg.platform_admin, msg.platform_guest, msg.role)
        if self._policy.role(subject) != "admin":
            return None  # not an admin: an ordinary question that happens to start with the prefix
        corrected = text[len(self._prefix) :].strip(" :\n")
        if not corrected or not await asyncio.to_thread(self._store.record, msg, corrected):
            return Reply.refusal("Nothing to correct here: reply in a thread where I answered.", "declined")
        event = FeedbackGiven(tenant=msg.tenant, actor=msg.actor, channel=msg.channel, answer_id="correction", rating=0)
        await asyncio.to_thread(self._audit.record, event)
        return Reply.refusal("Thanks: your correction is recorded and will be used to tune answers.", "corrected")
