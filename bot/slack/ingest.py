"""Ingestion started from Slack: runs in a worker thread, with a progress message edited as it goes."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agents.ingestion.ingest import IngestReport
from bot.commands import Caller, Commands
from bot.slack.blocks import escape
from bot.slack.editor import MessageEditor

UNREACHABLE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
MAX_SHOWN = 8


@dataclass
class _Progress:
    """What the progress message shows."""

    header: str
    lines: list[str] = field(default_factory=list)

    def text(self, footer: str = "") -> str:
        shown = self.lines[-MAX_SHOWN:]
        more = [f"… and {len(self.lines) - MAX_SHOWN} more"] if len(self.lines) > MAX_SHOWN else []
        return "\n".join([self.header, *more, *shown, *([footer] if footer else [])])


def summary_text(report: IngestReport, collection: str) -> str:
    """The final line of an ingest, with the first few failures."""
    lines = [f"✅ Ingested into `{escape(collection)}`: {escape(report.summary())}"]
    for origin, reason in [*report.failed, *report.skipped][:MAX_SHOWN]:
        lines.append(f"• {escape(origin)}: {escape(reason)}")
    for note in report.quarantined[:MAX_SHOWN]:
        lines.append(f"🛡️ {escape(note.line())}")
    if report.quarantined:
        lines.append("Held-back text is listed for admins by `steward quarantine list` and on the admin page.")
    return "\n".join(lines)


class IngestJob:
    """One ingest for one caller.

    The work starts at once; the progress message is posted only if it is still running after
    ``reveal_after_s`` (so a refused request leaves nothing in the channel), then edited at most once per
    ``interval_s`` and finally replaced by the summary. ``NotAllowed`` from the commands propagates.
    """

    def __init__(
        self, commands: Commands, client: AsyncWebClient, interval_s: float, reveal_after_s: float = 0.3
    ) -> None:
        self._commands = commands
        self._client = client
        self._interval_s = interval_s
        self._reveal_after_s = reveal_after_s

    async def run(
        self, caller: Caller, targets: list[str], collection: str, what: str, thread_ts: str | None = None
    ) -> IngestReport:
        """Ingest ``targets`` into ``collection``, reporting in the caller's channel (or DM when unreachable)."""
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str] = asyncio.Queue()

        def progress(origin: str, outcome: str) -> None:
            loop.call_soon_threadsafe(lines.put_nowait, f"• {escape(outcome)}: {escape(origin)}")

        work = asyncio.ensure_future(asyncio.to_thread(self._commands.ingest, caller, targets, collection, progress))
        shown = _Progress(f"⏳ Ingesting {escape(what)} into `{escape(collection)}`…")
        editor = None
        await asyncio.wait({work}, timeout=self._reveal_after_s)
        while not work.done():
            editor = editor or await self._post(caller, shown.text(), thread_ts)
            await self._next_lines(work, lines, shown)
            if editor.due() and not work.done():
                await editor.edit(shown.text())
        try:
            report = work.result()
        except Exception as exc:
            if editor is not None:
                await editor.edit(f"❌ Ingest of {escape(what)} stopped: {escape(str(exc))}")
            raise
        await self._finish(caller, editor, summary_text(report, collection), thread_ts)
        return report

    async def _next_lines(self, work: asyncio.Future, lines: asyncio.Queue[str], shown: _Progress) -> None:
        """Wait for progress or the end of the work (at most one interval); take every line queued."""
        getter = asyncio.ensure_future(lines.get())
        await asyncio.wait({work, getter}, timeout=self._interval_s, return_when=asyncio.FIRST_COMPLETED)
        if getter.done():
            shown.lines.append(getter.result())
        else:
            getter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await getter
        while not lines.empty():
            shown.lines.append(lines.get_nowait())

    async def _finish(self, caller: Caller, editor: MessageEditor | None, text: str, thread_ts: str | None) -> None:
        if editor is None:
            await self._post(caller, text, thread_ts)
        else:
            await editor.edit(text)

    async def _post(self, caller: Caller, text: str, thread_ts: str | None) -> MessageEditor:
        """Post in the caller's channel; in their DM when Steward cannot post there."""
        try:
            return await MessageEditor.post(self._client, caller.channel, text, self._interval_s, thread_ts)
        except SlackApiError as exc:
            if exc.response.get("error") not in UNREACHABLE:
                raise
        opened = await self._client.conversations_open(users=caller.user)
        return await MessageEditor.post(self._client, str(opened["channel"]["id"]), text, self._interval_s)
