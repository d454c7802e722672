"""Files shared with Steward in Slack, downloaded (with the bot token) so they can be ingested."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.logs import get_logger

log = get_logger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Downloaded:
    """What came of the shared files: the local paths, and the files left out with why."""

    paths: list[Path]
    skipped: list[tuple[str, str]]


def safe_name(file_id: str, name: str) -> str:
    """A file name that cannot leave its folder: ``<file id>-<name with unsafe characters replaced>``."""
    stem = _UNSAFE.sub("_", Path(name or "file").name).strip("._") or "file"
    return f"{_UNSAFE.sub('_', file_id)}-{stem}"[:200]


class FileDownloader:
    """Downloads Slack files (``url_private_download``) into a folder, refusing those over ``max_mb``."""

    def __init__(self, token: str, max_mb: float, timeout_s: float = 60.0) -> None:
        self._token = token
        self._max_mb = max_mb
        self._max_bytes = int(max_mb * 1024 * 1024)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def fetch(self, files: list[dict[str, Any]], folder: Path) -> Downloaded:
        """Download every file into ``folder``; a file that cannot be downloaded is skipped with a reason."""
        folder.mkdir(parents=True, exist_ok=True)
        paths: list[Path] = []
        skipped: list[tuple[str, str]] = []
        headers = {"Authorization": f"Bearer {self._token}"}
        async with aiohttp.ClientSession(timeout=self._timeout, headers=headers) as session:
            for file in files:
                name = str(file.get("name") or file.get("title") or file.get("id") or "file")
                reason = self._refusal(file)
                if reason is None:
                    target = folder / safe_name(str(file.get("id") or "F"), name)
                    reason = await self._download(session, str(file["url_private_download"]), target)
                    if reason is None:
                        paths.append(target)
                if reason is not None:
                    skipped.append((name, reason))
        return Downloaded(paths, skipped)

    def _refusal(self, file: dict[str, Any]) -> str | None:
        """Why a file is not downloaded at all, or None."""
        if not file.get("url_private_download"):
            return "Slack gave no download link (external or deleted file)"
        if int(file.get("size") or 0) > self._max_bytes:
            return f"larger than {self._max_mb:g} MB"
        return None

    async def _download(self, session: aiohttp.ClientSession, url: str, target: Path) -> str | None:
        """Stream one file to ``target``; the reason it failed, or None."""
        try:
            async with session.get(url) as response:
                if response.status != 200:
                    return f"download failed (HTTP {response.status})"
                size = 0
                with target.open("wb") as out:
                    async for chunk in response.content.iter_chunked(CHUNK):
                        size += len(chunk)
                        if size > self._max_bytes:
                            break
                        out.write(chunk)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack.download_failed", url=url, error=str(exc))
            target.unlink(missing_ok=True)
            return "download failed"
        if size > self._max_bytes:
            target.unlink(missing_ok=True)
            return f"larger than {self._max_mb:g} MB"
        return None
