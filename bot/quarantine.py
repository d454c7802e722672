"""Governed quarantine actions: list and release what ingest-time screening held back.

Admins only (the ``ingest`` permission: who may add knowledge may release it); a refusal is audited
like any other, and each release is audited as ``quarantine_release``. Listed text is PII-redacted:
the page and the terminal show what kind of text was held back, not the personal data in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.admin import OPERATOR_TENANT, NotAllowed
from bot.store.quarantine import QuarantineRow, QuarantineStore
from governance.audit.events import PolicyDenied, QuarantineReleased
from governance.audit.log import AuditLog
from governance.policy.rbac import Policy, Subject

ACTION = "ingest"


@dataclass(frozen=True)
class Listing:
    """Rows to show (text redacted) and whether the list was cut at ``limit``."""

    rows: list[QuarantineRow]
    truncated: bool


class Quarantine:
    """List and release quarantined text for a subject, after a policy check; releases are audited."""

    def __init__(self, store: QuarantineStore, policy: Policy, audit: AuditLog, redact: Callable[[str], str]) -> None:
        self._store = store
        self._policy = policy
        self._audit = audit
        self._redact = redact

    def _allow(self, who: Subject) -> None:
        decision = self._policy.check(who, ACTION)
        if not decision.allowed:
            event = PolicyDenied(
                tenant=who.tenant, actor=who.actor, action=ACTION, role=decision.role, reason=decision.reason
            )
            self._audit.record(event)
            raise NotAllowed(decision.reason)

    def _tenant(self, who: Subject, tenant: str | None) -> str | None:
        """An operator may name any tenant (or all: ``None``); everyone else sees only their own."""
        return tenant if who.tenant == OPERATOR_TENANT else who.tenant

    def list(
        self, who: Subject, tenant: str | None = None, collection: str | None = None, released: bool = False
    ) -> Listing:
        """Held-back (or, with ``released``, released) spans, newest first, with PII redacted."""
        self._allow(who)
        limit = 200
        rows = self._store.find(self._tenant(who, tenant), collection, released, limit + 1)
        shown = [replace(row, sentence=self._redact(row.sentence)) for row in rows[:limit]]
        return Listing(shown, len(rows) > limit)

    def release(self, who: Subject, quarantine_id: uuid.UUID) -> QuarantineRow:
        """Put the span back into its chunk (re-embedded); ``QuarantineError`` when unknown or released."""
        self._allow(who)
        tenant = self._store.tenant_of(quarantine_id) if who.tenant == OPERATOR_TENANT else who.tenant
        row = self._store.release(tenant, quarantine_id, who.actor)
        self._audit.record(
            QuarantineReleased(
                tenant=row.tenant,
                actor=who.actor,
                quarantine_id=str(row.id),
                collection=row.collection,
                source=row.source,
                chunk_index=row.chunk_index,
                category=row.category,
            )
        )
        return replace(row, sentence=self._redact(row.sentence))
