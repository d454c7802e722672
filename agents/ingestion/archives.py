"""Expanding ZIP archives in memory, with limits that make zip bombs and hostile names harmless.

Nothing is ever written to disk: members are read into memory and handed on as bytes, so a hostile
name cannot overwrite a file. Names are still checked, because they become part of a citation.

Two kinds of refusal:

* **The whole archive** (``ArchiveRefused``, raised before any member is read) when the archive cannot
  be read at all or breaks a resource limit that is known from its central directory: its size on disk,
  its number of entries, or the sum of its members' uncompressed sizes. These limits protect the
  process, and a partial import of an archive that breaks them would be arbitrary.
* **One member** (``BadMember``; the others are still read) when only that entry is at fault: a name
  that escapes the archive (absolute or with ``..``), a symbolic link, an encrypted entry, a nested ZIP,
  a member over the file size limit, a compression ratio above the limit, or data that fails to
  decompress. Since nothing is extracted to disk, the other members are not endangered by it.
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from agents.config import IngestSettings
from agents.ingestion.errors import ArchiveRefused

_MB = 1_000_000
_ENCRYPTED_FLAG = 0x1


@dataclass(frozen=True)
class ZipMember:
    """One member's bytes; ``name`` is its path inside the archive."""

    name: str
    data: bytes
    mtime: datetime | None


@dataclass(frozen=True)
class BadMember:
    """A member that was refused, and why."""

    name: str
    reason: str


def read_zip(path: Path, settings: IngestSettings) -> Iterator[ZipMember | BadMember]:
    """The usable members of the ZIP at ``path``, in archive order (directories and hidden entries skipped).

    Raises ``ArchiveRefused`` at call time (before anything is yielded) for a whole-archive refusal.
    """
    size = path.stat().st_size
    if size > settings.zip_max_mb * _MB:
        raise ArchiveRefused(f"ZIP archive larger than the {settings.zip_max_mb:g} MB limit ({size / _MB:.1f} MB)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ArchiveRefused(f"not a valid ZIP archive: {exc}") from exc
    _check_archive(archive.infolist(), settings)
    return _members(archive, settings)


def _check_archive(infos: list[zipfile.ZipInfo], settings: IngestSettings) -> None:
    if len(infos) > settings.zip_max_members:
        raise ArchiveRefused(f"ZIP archive has {len(infos)} entries, more than the limit of {settings.zip_max_members}")
    total = sum(info.file_size for info in infos)
    if total > settings.zip_max_total_mb * _MB:
        raise ArchiveRefused(
            f"ZIP archive expands to {total / _MB:.1f} MB, more than the {settings.zip_max_total_mb:g} MB limit"
        )


def _members(archive: zipfile.ZipFile, settings: IngestSettings) -> Iterator[ZipMember | BadMember]:
    seen: set[str] = set()
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            if _escapes(info.filename):
                yield BadMember(info.filename, f"ZIP member escapes the archive: {info.filename}")
                continue
            if _is_hidden(info.filename):
                continue
            reason = _member_problem(info, settings) or ("duplicate ZIP member name" if info.filename in seen else None)
            seen.add(info.filename)
            if reason:
                yield BadMember(info.filename, reason)
            else:
                yield _read_member(archive, info)


def _is_hidden(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return any(part.startswith(".") and part not in {".", ".."} for part in parts) or parts[0] == "__MACOSX"


def _escapes(name: str) -> bool:
    r"""Absolute names (``/x``, ``C:x``, ``\x``) and names with a ``..`` part point outside the archive."""
    parts = name.replace("\\", "/").split("/")
    return not name or parts[0] == "" or ":" in parts[0] or ".." in parts


def _member_problem(info: zipfile.ZipInfo, settings: IngestSettings) -> str | None:
    """Why this member must not be read, or ``None``. Checked on the central directory, before decompressing."""
    name = info.filename.replace("\\", "/")
    if stat.S_ISLNK(info.external_attr >> 16):
        return "ZIP member is a symbolic link"
    if info.flag_bits & _ENCRYPTED_FLAG:
        return "ZIP member is encrypted"
    if PurePosixPath(name).suffix.lower() == ".zip":
        return "nested ZIP archives are not expanded"
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > settings.zip_max_ratio:
        return f"compression ratio {ratio:.0f}:1 exceeds the limit of {settings.zip_max_ratio:g}:1 (zip bomb?)"
    if info.file_size > settings.max_file_mb * _MB:
        return f"larger than the {settings.max_file_mb:g} MB limit ({info.file_size / _MB:.1f} MB uncompressed)"
    return None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> ZipMember | BadMember:
    """Read at most the declared size (+1 byte to notice a lie); the CRC check catches corrupt data."""
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, ValueError, OSError, EOFError) as exc:
        return BadMember(info.filename, f"unreadable ZIP member: {exc}")
    if len(data) > info.file_size:
        return BadMember(info.filename, "ZIP member is larger than its header says")
    return ZipMember(info.filename, data, _zip_time(info))


def _zip_time(info: zipfile.ZipInfo) -> datetime | None:
    """ZIP times carry no time zone; they are read as UTC. An impossible date gives ``None``."""
    try:
        return datetime(*info.date_time, tzinfo=UTC)
    except ValueError:
        return None
