"""Role-based access: may this user ask here? A denial is answered clearly and audited."""

from __future__ import annotations

import asyncio

from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn
from governance.audit.events import PolicyDenied
from governance.audit.log import AuditLog
from governance.policy.rbac import Policy, Subject


def subject_of(turn: Turn) -> Subject:
    """The policy subject for the turn's sender."""
    msg = turn.message
    return Subject(msg.tenant, msg.actor, msg.platform_admin, msg.platform_guest, msg.role)


class PolicyStep:
    """Checks the ``ask`` permission."""

    name = "policy"

    def __init__(self, policy: Policy, audit: AuditLog) -> None:
        self._policy = policy
        self._audit = audit

    async def __call__(self, turn: Turn) -> Reply | None:
        """Stop with a refusal when the sender may not ask."""
        decision = self._policy.check(subject_of(turn), "ask")
        if decision.allowed:
            return None
        msg = turn.message
        event = PolicyDenied(
            tenant=msg.tenant,
            actor=msg.actor,
            channel=msg.channel,
            action="ask",
            role=decision.role,
            reason=decision.reason,
        )
        await asyncio.to_thread(self._audit.record, event)
        return Reply.refusal(f"Sorry: {decision.reason}.", "denied", turn.request_id)
