"""Mentions, DMs and thread follow-ups: which messages Steward answers, and answering them once."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.admin import NotAllowed
from bot.commands import Caller
from bot.logs import get_logger
from bot.platform import ChatServices
from bot.slack.blocks import escape
from bot.slack.files import FileDownloader
from bot.slack.ingest import IngestJob
from bot.slack.payloads import (
    is_bot,
    is_own,
    is_spoken,
    mentions,
    question_of,
    sender_of,
    tenant_of,
)
from bot.slack.reactions import WorkingReaction
from bot.slack.streaming import StreamingReply
from bot.slack.users import PLATFORM, UserDirectory

log = get_logger(__name__)


class MessageHandler:
    """Bolt listeners for ``app_mention`` and ``message`` events (run lazily, after the ack)."""

    def __init__(
        self,
        chat: ChatServices,
        users: UserDirectory,
        downloader: FileDownloader,
        interval_s: float,
        answer_bots: bool = False,
    ) -> None:
        self._chat = chat
        self._users = users
        self._downloader = downloader
        self._interval_s = interval_s
        self._answer_bots = answer_bots

    async def on_mention(
        self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """A mention in a channel: answer in its thread."""
        if self._ignored(event, context):
            return
        await self._handle(body, event, client, str(event.get("thread_ts") or event["ts"]))

    async def on_message(
        self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """A DM, or a follow-up without a mention in a thread Steward answered in; anything else is ignored."""
        if not is_spoken(event) or self._ignored(event, context):
            return
        thread = event.get("thread_ts")
        if event.get("channel_type") == "im":
            await self._handle(body, event, client, str(thread) if thread else None)
        elif thread and not mentions(event.get("text") or "", context.bot_user_id):  # mentions: app_mention
            tenant = tenant_of(body, context)
            known = self._chat.threads.known
            if await asyncio.to_thread(known, PLATFORM, tenant, str(event["channel"]), str(thread)):
                await self._handle(body, event, client, str(thread))

    def _ignored(self, event: dict[str, Any], context: AsyncBoltContext) -> bool:
        """Steward's own messages always; other bots' unless configured to answer them."""
        if is_own(event, context.bot_user_id, context.bot_id):
            return True
        return is_bot(event) and not self._answer_bots

    async def _handle(
        self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, thread: str | None
    ) -> None:
        """Claim the event (retries and replays stop here), then ingest shared files or answer."""
        tenant = tenant_of(body)
        event_id = str(body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}")
        if not await asyncio.to_thread(self._chat.ledger.claim, PLATFORM, tenant, event_id):
            log.info("slack.duplicate_event", event_id=event_id)
            return
        caller = await self._users.caller(tenant, str(event["channel"]), sender_of(event), thread)
        async with WorkingReaction(client, str(event["channel"]), str(event["ts"])):
            if event.get("files"):
                await self._ingest_files(caller, event, client)
            else:
                await self._answer(caller, event, client)

    async def _answer(self, caller: Caller, event: dict[str, Any], client: AsyncWebClient) -> None:
        """Answer in the caller's thread (a DM outside a thread: in the DM)."""
        msg = caller.message(question_of(event.get("text") or ""))
        await StreamingReply(client, self._chat.pipeline, self._interval_s).answer(msg, caller.channel, caller.thread)

    async def _ingest_files(self, caller: Caller, event: dict[str, Any], client: AsyncWebClient) -> None:
        """Files shared with Steward (admins only): download, ingest into the default collection, report."""
        thread = str(event.get("thread_ts") or event["ts"])
        folder = self._chat.downloads / caller.tenant / str(event["ts"]).replace(".", "-")
        fetched = await self._downloader.fetch(list(event["files"]), folder)
        notes = "".join(f"\n• skipped {escape(n)}: {escape(r)}" for n, r in fetched.skipped)
        if not fetched.paths:
            await client.chat_postMessage(channel=caller.channel, thread_ts=thread, text="Nothing to ingest." + notes)
            return
        job = IngestJob(self._chat.commands, client, self._interval_s)
        names = ", ".join(p.name.split("-", 1)[-1] for p in fetched.paths)
        try:
            await job.run(caller, [str(p) for p in fetched.paths], self._chat.default_collection, names, thread)
        except NotAllowed as exc:
            for path in fetched.paths:
                path.unlink(missing_ok=True)
            await client.chat_postMessage(channel=caller.channel, thread_ts=thread, text=f"🚫 {escape(str(exc))}")
            return
        if notes:
            await client.chat_postMessage(channel=caller.channel, thread_ts=thread, text=notes.strip())
