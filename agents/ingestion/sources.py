"""Where documents come from: files, folders, ZIP archives and http(s) URLs, read into bytes safely.

This layer only fetches bytes and refuses what is unsafe or over a limit (``Rejected``); deciding
whether the bytes are a usable document is ``loaders.parse``'s job (it raises ``SkipFile``). A consumer::

    for item in iter_sources(targets, settings):
        if isinstance(item, Rejected):
            ...  # report item.origin, item.reason
        else:
            doc = parse(item)  # may raise SkipFile
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path, PurePosixPath

from agents.config import IngestSettings
from agents.ingestion.archives import ArchiveRefused, BadMember, read_zip
from agents.ingestion.urls import FetchRefused, NotModified, fetch

__all__ = ["NotModified", "RawSource", "Rejected", "fetch_source", "is_url", "iter_sources", "selected"]

_MB = 1_000_000


@dataclass(frozen=True)
class RawSource:
    """One document's bytes and where they came from.

    ``origin`` is the absolute file path, ``"<absolute zip path>!/<member path>"`` for a ZIP member, or
    the final URL after redirects. ``name`` is the file name used for type detection.
    """

    origin: str
    name: str
    data: bytes
    mtime: datetime | None
    etag: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class Rejected:
    """Something that was refused before parsing, with a one-line reason."""

    origin: str
    reason: str


def is_url(target: str | Path) -> bool:
    """Strings starting with ``http://`` or ``https://`` are URLs; everything else is a path."""
    return isinstance(target, str) and target.lower().startswith(("http://", "https://"))


def iter_sources(targets: Iterable[str | Path], settings: IngestSettings) -> Iterator[RawSource | Rejected]:
    """Every source under ``targets`` (files, folders recursively, ZIP members, URLs), in order.

    All paths are checked first: a missing one raises ``FileNotFoundError`` when this is called, before
    anything is read or yielded.
    """
    checked = [_checked(target) for target in targets]
    return _generate(checked, settings)


def _checked(target: str | Path) -> str | Path:
    if is_url(target):
        return str(target)
    path = Path(target)
    if not path.exists():
        raise FileNotFoundError(f"no such file or directory: {path}")
    return path.resolve()


def _generate(targets: list[str | Path], settings: IngestSettings) -> Iterator[RawSource | Rejected]:
    for target in targets:
        if isinstance(target, str):
            result = fetch_source(target, settings)
            if not isinstance(result, NotModified):
                yield result
        elif target.is_dir():
            for path in _folder_files(target, settings):
                yield from _file_sources(path, target, settings)
        else:
            yield from _file_sources(target, target.parent, settings)


def fetch_source(url: str, settings: IngestSettings, etag: str | None = None) -> RawSource | NotModified | Rejected:
    """Fetch one URL (see ``agents.ingestion.urls``); with ``etag``, an unchanged page gives ``NotModified``."""
    try:
        result = fetch(url, settings, etag)
    except FetchRefused as refused:
        return Rejected(url, refused.reason)
    if isinstance(result, NotModified):
        return result
    return RawSource(
        origin=result.url,
        name=result.name,
        data=result.data,
        mtime=result.last_modified,
        etag=result.etag,
        content_type=result.content_type,
    )


def _folder_files(root: Path, settings: IngestSettings) -> list[Path]:
    """Files under ``root`` (hidden entries skipped, symlinked folders not followed) that the globs select."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = Path(dirpath, name)
            if not name.startswith(".") and selected(path.relative_to(root).as_posix(), settings):
                found.append(path)
    return sorted(found)


def selected(relative: str, settings: IngestSettings) -> bool:
    """Whether a path relative to its folder passes ``include`` (empty: everything) and ``exclude``."""
    included = not settings.include or any(_matches(relative, p) for p in settings.include)
    return included and not any(_matches(relative, p) for p in settings.exclude)


def _matches(relative: str, pattern: str) -> bool:
    """``*`` and ``?`` stay within one name, ``**`` spans folders; a pattern without ``/`` may match any one name."""
    cleaned = pattern.strip().removeprefix("./").strip("/")
    regex = _glob_regex(cleaned)
    if "/" not in cleaned:
        return any(regex.fullmatch(part) for part in relative.split("/"))
    return regex.fullmatch(relative) is not None


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    tokens = re.split(r"(\*\*/|\*\*|\*|\?)", pattern)
    table = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(table.get(token, re.escape(token)) for token in tokens))


def _file_sources(path: Path, root: Path, settings: IngestSettings) -> Iterator[RawSource | Rejected]:
    if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
        yield Rejected(str(path), f"symbolic link points outside {root}")
        return
    path = path.resolve()
    if path.suffix.lower() == ".zip":
        yield from _zip_sources(path, settings)
    else:
        yield _read_file(path, settings)


def _read_file(path: Path, settings: IngestSettings) -> RawSource | Rejected:
    """Refuse by ``stat`` (size, not a regular file) before reading; read at most the limit plus one byte."""
    limit = int(settings.max_file_mb * _MB)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return Rejected(str(path), "not a regular file")
        if info.st_size > limit:
            return Rejected(str(path), _too_large(settings, info.st_size))
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        return Rejected(str(path), f"cannot read: {exc.strerror or exc}")
    if len(data) > limit:
        return Rejected(str(path), _too_large(settings, len(data)))
    return RawSource(str(path), path.name, data, datetime.fromtimestamp(info.st_mtime, UTC))


def _too_large(settings: IngestSettings, size: int) -> str:
    return f"larger than the {settings.max_file_mb:g} MB limit ({size / _MB:.1f} MB)"


def _zip_sources(path: Path, settings: IngestSettings) -> Iterator[RawSource | Rejected]:
    """One ``Rejected`` for a refused archive; otherwise one item per member (see ``agents.ingestion.archives``)."""
    try:
        members = read_zip(path, settings)
    except ArchiveRefused as refused:
        yield Rejected(str(path), refused.reason)
        return
    except OSError as exc:
        yield Rejected(str(path), f"cannot read: {exc.strerror or exc}")
        return
    for member in members:
        origin = f"{path}!/{member.name}"
        if isinstance(member, BadMember):
            yield Rejected(origin, member.reason)
        else:
            yield RawSource(origin, PurePosixPath(member.name).name, member.data, member.mtime)
