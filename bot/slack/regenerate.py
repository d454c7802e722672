"""🔄 Regenerate on answers: the same question answered again, posted where the old answer is."""

from __future__ import annotations

import contextlib
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.errors import REGENERATE_FAILED
from bot.commands import Caller, Commands
from bot.logs import get_logger
from bot.pipeline.message import InvalidMessage, Reply
from bot.slack.blocks import escape, reply_blocks, reply_text
from bot.slack.payloads import action_channel, action_message_ts, action_thread, is_ephemeral, tenant_of
from bot.slack.reactions import WorkingReaction
from bot.slack.users import UserDirectory

log = get_logger(__name__)
GONE = "That answer no longer exists, so it cannot be regenerated."


class RegenerateHandler:
    """Bolt listener for the 🔄 button (``block_actions``): a new answer that records which one it replaces.

    The new answer goes into the old one's thread (a top-level DM answer: the DM), so the learning loop
    sees both in one conversation; an ephemeral answer (``/steward ask``) is regenerated ephemerally.
    Refusals and problems are told to the clicker alone.
    """

    def __init__(self, commands: Commands, users: UserDirectory) -> None:
        self._commands = commands
        self._users = users

    async def on_regenerate(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        """Ack at once, answer the old answer's question again, then post the new answer."""
        await ack()
        answer_id = str(action.get("value") or "")
        caller = await self._users.caller(
            tenant_of(body), action_channel(body), str(body["user"]["id"]), action_thread(body)
        )
        async with _working(client, body):
            reply = await self._regenerate(caller, answer_id, body, respond)
        if reply is not None:
            log.info("slack.regenerated", answer_id=answer_id, new_answer_id=str(reply.answer_id), status=reply.status)
            await _deliver(reply, caller, body, client, respond)

    async def _regenerate(
        self, caller: Caller, answer_id: str, body: dict[str, Any], respond: AsyncRespond
    ) -> Reply | None:
        """The new reply; None (after telling the clicker why) when there is none."""
        try:
            reply = await self._commands.regenerate(caller, answer_id)
        except InvalidMessage as exc:
            await _tell(body, respond, f"⚠️ {escape(str(exc))}")
            return None
        except Exception:
            log.exception("slack.regenerate_failed", answer_id=answer_id)
            await _tell(body, respond, REGENERATE_FAILED)
            return None
        if reply is None:
            await _tell(body, respond, GONE)
        return reply


def _working(client: AsyncWebClient, body: dict[str, Any]) -> contextlib.AbstractAsyncContextManager[Any]:
    """👀 on the old answer while the new one is written (ephemeral messages take no reactions)."""
    ts = action_message_ts(body)
    if ts is None or is_ephemeral(body):
        return contextlib.nullcontext()
    return WorkingReaction(client, action_channel(body), ts)


async def _deliver(
    reply: Reply, caller: Caller, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
) -> None:
    """An answer in the old answer's thread with citations and buttons; a refusal, or a private answer, privately."""
    text, blocks = reply_text(reply), reply_blocks(reply)
    if reply.answer_id is None or is_ephemeral(body):
        await _tell(body, respond, text, blocks)
        return
    await client.chat_postMessage(channel=caller.channel, thread_ts=caller.thread, text=text, blocks=blocks)


async def _tell(
    body: dict[str, Any], respond: AsyncRespond, text: str, blocks: list[dict[str, Any]] | None = None
) -> None:
    """An ephemeral message to the clicker (through the action's ``response_url``)."""
    if body.get("response_url"):
        await respond(response_type="ephemeral", replace_original=False, text=text, blocks=blocks)
