"""Admin corrections: "!correct <the right answer>" in a thread is recorded for tuning, not answered."""

from __future__ import annotations

import asyncio

from agents.tuning.config import PreferenceSettings
from agents.tuning.preferences import parse_correction
from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn
from bot.store.corrections import CorrectionStore
from governance.audit.events import CorrectionRecorded
from governance.audit.log import AuditLog
from governance.policy.rbac import Policy, Subject


class CorrectionStep:
    """Runs after redaction, so the stored correction is redacted like everything else.

    The message is parsed by ``parse_correction``, the same parser the learning loop's tests pin down.
    """

    name = "correct"

    def __init__(self, settings: PreferenceSettings, policy: Policy, store: CorrectionStore, audit: AuditLog) -> None:
        self._settings = settings
        self._policy = policy
        self._store = store
        self._audit = audit

    async def __call__(self, turn: Turn) -> Reply | None:
        """Stop with an acknowledgement when the message is an admin's correction."""
        corrected = parse_correction(turn.text, self._settings)
        if corrected is None:
            return None
        msg = turn.message
        subject = Subject(msg.tenant, msg.actor, msg.platform_admin, msg.platform_guest, msg.role)
        if self._policy.role(subject) != "admin":
            return None  # not an admin: an ordinary question that happens to start with the prefix
        stored = await asyncio.to_thread(self._store.record, msg, corrected)
        if stored is None:
            return Reply.refusal("Nothing to correct here: reply in a thread where I answered.", "declined")
        correction_id, conversation_id = stored
        event = CorrectionRecorded(
            tenant=msg.tenant,
            actor=msg.actor,
            channel=msg.channel,
            correction_id=str(correction_id),
            conversation_id=str(conversation_id),
            chars=len(corrected),
        )
        await asyncio.to_thread(self._audit.record, event)
        return Reply.refusal("Thanks: your correction is recorded and will be used to tune answers.", "corrected")
