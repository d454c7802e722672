"""👍/👎 on answers, and the optional reason a 👎 asks for in a modal."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Caller, Commands
from bot.logs import get_logger
from bot.slack.blocks import VOTE_UP, reason_modal, reason_of
from bot.slack.payloads import tenant_of
from bot.slack.users import PLATFORM

log = get_logger(__name__)
THANKS = "Thanks for the feedback!"
GONE = "That answer no longer exists, so the feedback was not recorded."


class FeedbackHandler:
    """Bolt listeners for the vote buttons (``block_actions``) and the reason modal (``view_submission``)."""

    def __init__(self, commands: Commands) -> None:
        self._commands = commands

    async def on_vote(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        """Record the vote; a 👎 also opens the reason modal (its trigger expires in 3 s, so that comes first)."""
        await ack()
        answer_id = str(action.get("value") or "")
        up = action.get("action_id") == VOTE_UP
        if not up:
            channel = str((body.get("channel") or {}).get("id") or "")
            await client.views_open(trigger_id=body["trigger_id"], view=reason_modal(answer_id, channel))
        recorded = await self._record(body, answer_id, 1 if up else -1)
        note = THANKS if up and recorded else None if recorded else GONE
        if note and body.get("response_url"):
            await respond(response_type="ephemeral", replace_original=False, text=note)

    async def on_reason(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Store the reason given for a 👎 (the modal closes at once)."""
        await ack()
        answer_id, reason = reason_of(view)
        if answer_id:
            await self._record(body, answer_id, -1, reason)

    async def _record(self, body: dict[str, Any], answer_id: str, rating: int, reason: str = "") -> bool:
        """Record through the commands' one feedback entry point (which audits it)."""
        channel = str((body.get("channel") or {}).get("id") or "")
        caller = Caller(PLATFORM, tenant_of(body), channel, str(body["user"]["id"]))
        recorded = await asyncio.to_thread(self._commands.record_feedback, caller, answer_id, rating, reason)
        log.info("slack.feedback", answer_id=answer_id, rating=rating, recorded=recorded)
        return recorded
