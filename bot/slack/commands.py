"""``/steward``: parse the subcommand, ack within Slack's 3 s, do the work lazily, render the result."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.admin import NotAllowed
from bot.chat.args import parse_since
from bot.commands import Caller, Commands
from bot.compliance import export_files, remove_export
from bot.logs import get_logger
from bot.pipeline.message import InvalidMessage
from bot.slack.blocks import escape, reply_blocks, reply_text, sources_blocks
from bot.slack.ingest import IngestJob
from bot.slack.payloads import tenant_of, unwrap_link
from bot.slack.users import UserDirectory

log = get_logger(__name__)
COMMAND = "/steward"
USAGE = {
    "ask": f"Usage: `{COMMAND} ask <question>`",
    "ingest": f"Usage: `{COMMAND} ingest <http(s) URL> [collection]`",
    "audit-export": f"Usage: `{COMMAND} audit-export [since]`, since as `2025-01-31`, `7d` or `12h`",
}
LAZY = ("ask", "ingest", "sources", "forget-me", "audit-export")
COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
FAILED = "Sorry, that did not work. Please try again in a moment."


def parse(text: str) -> tuple[str, str]:
    """``"ask what is x"`` → ``("ask", "what is x")``; nothing → ``("help", "")``."""
    name, _, rest = (text or "").strip().partition(" ")
    return (name.lower() or "help"), rest.strip()


def usage_error(name: str, rest: str) -> str | None:
    """Why the arguments cannot work (the usage line), or None."""
    if name in ("ask", "ingest") and not rest:
        return USAGE[name]
    if name == "ingest" and not _ingest_args_ok(rest.split()):
        return USAGE["ingest"]
    if name == "audit-export":
        try:
            parse_since(rest)
        except ValueError:
            return USAGE[name]
    return None


def _ingest_args_ok(args: list[str]) -> bool:
    """An http(s) URL (never a path on the server), then at most a plain collection name."""
    if not args or len(args) > 2 or urlsplit(unwrap_link(args[0])).scheme not in ("http", "https"):
        return False
    return len(args) == 1 or COLLECTION_NAME.fullmatch(args[1]) is not None


class SlashCommands:
    """The ``/steward`` listener: ``ack`` answers at once; ``run`` is Bolt's lazy listener for the work."""

    def __init__(self, commands: Commands, users: UserDirectory, default_collection: str, interval_s: float) -> None:
        self._commands = commands
        self._users = users
        self._default_collection = default_collection
        self._interval_s = interval_s
        self._handlers: dict[str, Callable[[Caller, str, AsyncRespond, AsyncWebClient], Awaitable[None]]] = {
            "ask": self._ask,
            "ingest": self._ingest,
            "sources": self._sources,
            "forget-me": self._forget_me,
            "audit-export": self._audit_export,
        }

    async def ack(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        """Answer help and mistakes immediately; acknowledge the rest (the work follows)."""
        name, rest = parse(command.get("text") or "")
        problem = usage_error(name, rest)
        if name == "help":
            await ack(response_type="ephemeral", text=self._commands.help())
        elif name not in LAZY:
            await ack(response_type="ephemeral", text=f"Unknown command `{escape(name)}`.\n\n{self._commands.help()}")
        elif problem is not None:
            await ack(response_type="ephemeral", text=problem)
        elif name in ("ask", "ingest", "audit-export"):
            await ack(response_type="ephemeral", text="⏳ On it…")
        else:
            await ack()

    async def run(
        self, body: dict[str, Any], command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        """Run the subcommand and respond to the caller (ephemerally)."""
        name, rest = parse(command.get("text") or "")
        if name not in LAZY or usage_error(name, rest) is not None:
            return
        tenant = tenant_of(body)
        caller = await self._users.caller(tenant, str(command["channel_id"]), str(command["user_id"]))
        try:
            await self._handlers[name](caller, rest, respond, client)
        except NotAllowed as exc:
            await respond(response_type="ephemeral", text=f"🚫 {escape(str(exc))}")
        except InvalidMessage as exc:
            await respond(response_type="ephemeral", text=f"⚠️ {escape(str(exc))}")
        except Exception:
            log.exception("slack.command_failed", command=name)
            await respond(response_type="ephemeral", text=FAILED)

    async def _ask(self, caller: Caller, question: str, respond: AsyncRespond, client: AsyncWebClient) -> None:
        reply = await self._commands.ask(caller, question)
        await respond(response_type="ephemeral", text=reply_text(reply), blocks=reply_blocks(reply))

    async def _ingest(self, caller: Caller, rest: str, respond: AsyncRespond, client: AsyncWebClient) -> None:
        url, *more = rest.split()
        url = unwrap_link(url)
        collection = more[0] if more else self._default_collection
        await IngestJob(self._commands, client, self._interval_s).run(caller, [url], collection, url)

    async def _sources(self, caller: Caller, rest: str, respond: AsyncRespond, client: AsyncWebClient) -> None:
        found = await asyncio.to_thread(self._commands.sources, caller)
        await respond(response_type="ephemeral", text="Documents this channel searches", blocks=sources_blocks(found))

    async def _forget_me(self, caller: Caller, rest: str, respond: AsyncRespond, client: AsyncWebClient) -> None:
        removed = await asyncio.to_thread(self._commands.forget_me, caller)
        counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in removed.items()) or "nothing"
        await respond(response_type="ephemeral", text=f"🧹 Done. Erased {escape(counts)}.")

    async def _audit_export(self, caller: Caller, rest: str, respond: AsyncRespond, client: AsyncWebClient) -> None:
        path, manifest = await asyncio.to_thread(self._commands.audit_export, caller, parse_since(rest))
        opened = await client.conversations_open(users=caller.user)
        comment = f"Audit export: {manifest.count} events, sha256 `{manifest.sha256}` (manifest attached)."
        try:
            await client.files_upload_v2(
                channel=str(opened["channel"]["id"]),
                initial_comment=comment,
                file_uploads=[{"file": str(p), "filename": p.name, "title": p.name} for p in export_files(path)],
            )
        finally:
            remove_export(path)
        await respond(response_type="ephemeral", text=f"📤 Sent {manifest.count} audit events to your DM.")
