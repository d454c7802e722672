"""Rate limits per user and per tenant; a refusal says when to try again and is audited."""

from __future__ import annotations

import asyncio
import dataclasses

from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn
from governance.audit.events import RateLimited
from governance.audit.log import AuditLog
from governance.policy.ratelimit import RateLimiter


class RateLimitStep:
    """Takes a token from the sender's and the tenant's buckets."""

    name = "ratelimit"

    def __init__(self, limiter: RateLimiter, audit: AuditLog) -> None:
        self._limiter = limiter
        self._audit = audit

    async def __call__(self, turn: Turn) -> Reply | None:
        """Stop with "try again in N s" when a bucket is empty."""
        msg = turn.message
        limit = await asyncio.to_thread(self._limiter.take, msg.tenant, msg.actor)
        if limit.allowed:
            return None
        event = RateLimited(
            tenant=msg.tenant,
            actor=msg.actor,
            channel=msg.channel,
            bucket=limit.bucket,
            retry_in_s=round(limit.retry_in_s, 1),
        )
        await asyncio.to_thread(self._audit.record, event)
        refusal = Reply.refusal(limit.message, "rate_limited", turn.request_id)
        return dataclasses.replace(refusal, retry_after_s=limit.retry_in_s)
