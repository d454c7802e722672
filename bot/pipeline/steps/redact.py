"""PII redaction: from here on every step sees placeholders, never the values; PII keeps a request local."""

from __future__ import annotations

import asyncio

from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn
from bot.store.pseudonyms import PseudonymStore
from governance.audit.events import MessageReceived
from governance.audit.log import AuditLog
from governance.pii.redactor import Redactor


class RedactStep:
    """Replace PII in the message with the conversation's pseudonyms, flag the turn, audit the message."""

    name = "redact"

    def __init__(self, redactor: Redactor, store: PseudonymStore, audit: AuditLog) -> None:
        self._redactor = redactor
        self._store = store
        self._audit = audit

    def _redact(self, turn: Turn) -> None:
        turn.pseudonyms = self._store.load(turn.message)
        redaction = self._redactor.redact(turn.message.text, turn.pseudonyms)
        turn.text = redaction.text
        turn.pii = sorted(redaction.kinds)
        turn.pii_entities = [entity.kind for entity in redaction.entities]
        if redaction.found:
            turn.restricted = True
            turn.restricted_reasons.append("message contained PII")

    async def __call__(self, turn: Turn) -> Reply | None:
        """Fill ``turn.text``, ``turn.pii`` and ``turn.pseudonyms``; record ``message_received``."""
        await asyncio.to_thread(self._redact, turn)
        msg = turn.message
        event = MessageReceived(
            tenant=msg.tenant,
            actor=msg.actor,
            channel=msg.channel,
            platform=msg.platform,
            text=turn.text,
            chars=len(msg.text),
            pii=turn.pii,
        )
        await asyncio.to_thread(self._audit.record, event)
        return None
