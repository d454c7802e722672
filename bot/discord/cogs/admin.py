"""App commands with a role check in the services: ``/ingest`` (admins) and ``/audit-export`` (compliance)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.admin import NotAllowed
from bot.chat.args import parse_since
from bot.compliance import export_files, remove_export
from bot.discord.cogs.base import StewardCog
from bot.discord.ingesting import Ingester
from bot.discord.replies import follow_up
from bot.logs import get_logger

if TYPE_CHECKING:
    from bot.discord.bot import StewardBot

log = get_logger(__name__)
DM_LIMIT_BYTES = 10 * 1024 * 1024  # what any bot may attach to a DM


class AdminCog(StewardCog):
    """``/ingest`` and ``/audit-export``: refused (and audited) by the services for the wrong role."""

    def __init__(self, bot: StewardBot) -> None:
        super().__init__(bot)
        self._ingester = Ingester(bot.chat)

    @app_commands.command(name="ingest", description="Add a document from a URL or an attached file (admins).")
    @app_commands.describe(
        url="An http(s) URL to ingest", file="A file to ingest", collection="Collection (default: the server's)"
    )
    @app_commands.guild_only()
    async def ingest(
        self,
        interaction: discord.Interaction[Any],
        url: str | None = None,
        file: discord.Attachment | None = None,
        collection: str | None = None,
    ) -> None:
        """Ingest through the admin service (policy-checked, audited); deferred then followed up."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        caller = await self.caller(interaction)
        if caller is None:
            return
        urls = [url.strip()] if url else []
        files = [file] if file is not None else []
        await follow_up(interaction, await self._ingester.ingest(caller, urls, files, collection))

    @app_commands.command(name="audit-export", description="Export this server's audit log to your DMs (compliance).")
    @app_commands.describe(since="Only events since a date (YYYY-MM-DD) or a time ago (7d, 12h, 2w)")
    @app_commands.guild_only()
    async def audit_export(self, interaction: discord.Interaction[Any], since: str | None = None) -> None:
        """Export through the compliance service, then send the file to the requester in a DM."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        caller = await self.caller(interaction)
        if caller is None:
            return
        try:
            start = parse_since(since)
        except ValueError:
            await follow_up(interaction, "Sorry: `since` must be a date like 2026-01-31 or a time ago like 7d.")
            return
        try:
            path, manifest = await asyncio.to_thread(self.bot.chat.commands.audit_export, caller, start)
        except NotAllowed as exc:
            await follow_up(interaction, f"Sorry: {exc}.")
            return
        await follow_up(interaction, await self._send_export(interaction.user, path, manifest.count))

    async def _send_export(self, user: discord.User | discord.Member, path: Path, count: int) -> str:
        files = export_files(path)
        try:
            if sum(f.stat().st_size for f in files) > DM_LIMIT_BYTES:
                return f"The export ({count} events) is too large for a DM: ask an operator for `steward audit export`."
            await user.send(
                f"Audit export: {count} events. The manifest's HMAC verifies the file.",
                files=[discord.File(f, filename=f.name) for f in files],
            )
        except discord.Forbidden:
            return "I couldn't DM you: allow direct messages from server members, then try again."
        finally:
            remove_export(path)  # delivered or refused: no copy stays on the server
        log.info("discord.audit_export_sent", events=count, user=str(user.id))
        return f"Sent to your DMs: {count} events, with a signed manifest."
