"""Ingest from Discord: attachments are saved to the downloads folder, then ingested with any URLs.

A file is stored at ``<downloads>/discord/<tenant>/<content hash>/<file name>``: uploading the same file
again finds it unchanged, and no upload can overwrite a file that was ingested before.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
from collections.abc import Sequence
from pathlib import Path, PurePath

import discord

from bot.admin import NotAllowed
from bot.commands import Caller
from bot.discord.render import is_url, render_ingest
from bot.logs import get_logger
from bot.platform import ChatServices

log = get_logger(__name__)


def safe_name(filename: str) -> str:
    """A plain file name: no folders, no leading dots, only ordinary characters."""
    name = re.sub(r"[^\w.\- ]", "_", PurePath(filename.replace("\\", "/")).name).strip(" .")
    return name or "attachment"


class Ingester:
    """Runs ``Commands.ingest`` (policy-checked and audited there) for URLs and Discord attachments."""

    def __init__(self, chat: ChatServices) -> None:
        self._commands = chat.commands
        self._downloads = chat.downloads
        self._default = chat.default_collection
        self._max_mb = chat.max_upload_mb  # larger uploads are refused before download

    async def ingest(
        self,
        caller: Caller,
        urls: Sequence[str] = (),
        attachments: Sequence[discord.Attachment] = (),
        collection: str | None = None,
    ) -> str:
        """Ingest and describe the result for the user (a refusal says why)."""
        not_urls = [u for u in urls if not is_url(u)]
        if not_urls:
            return f"Sorry: only http(s) URLs can be ingested, not `{not_urls[0]}`."
        if not urls and not attachments:
            return "Give a URL or attach a file to ingest."
        too_big = [a.filename for a in attachments if a.size > self._max_mb * 1024 * 1024]
        if too_big:
            return f"Sorry: `{too_big[0]}` is larger than {self._max_mb:g} MB."
        created, files = await self._save(caller.tenant, attachments)
        target = collection or self._default
        try:
            report = await asyncio.to_thread(self._commands.ingest, caller, [*urls, *map(str, files)], target)
        except NotAllowed as exc:
            self._discard(created)
            return f"Sorry: {exc}."
        except Exception:
            self._discard(created)
            raise
        return render_ingest(report, target)

    async def _save(self, tenant: str, attachments: Sequence[discord.Attachment]) -> tuple[list[Path], list[Path]]:
        """Write each attachment under its content hash; returns the folders created and the files."""
        created, files = [], []
        for attachment in attachments:
            data = await attachment.read()
            folder = self._downloads / "discord" / safe_name(tenant) / hashlib.sha256(data).hexdigest()[:24]
            path = folder / safe_name(attachment.filename)
            if not path.exists():
                if not folder.exists():
                    created.append(folder)
                folder.mkdir(parents=True, exist_ok=True)
                await asyncio.to_thread(path.write_bytes, data)
            files.append(path)
        if files:
            log.info("discord.attachments_saved", count=len(files), new_folders=len(created))
        return created, files

    @staticmethod
    def _discard(folders: Sequence[Path]) -> None:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
