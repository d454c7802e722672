"""Reading source files into titled, heading-aware sections. Anything unusable raises ``SkipFile``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup

from agents.ingestion.chunking import Section, markdown_sections, markdown_title, plain_sections

MARKDOWN = {".md", ".markdown"}
TEXT = {".txt", ".text"}
HTML = {".html", ".htm"}
SUPPORTED = MARKDOWN | TEXT | HTML

_BOILERPLATE = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg"]
_HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
_BLOCK_TAGS = ["h1", "h2", "h3", "h4", "p", "li", "pre", "blockquote", "td", "th", "dt", "dd"]


class SkipFile(Exception):  # noqa: N818 - it is a signal, not an error
    """The file cannot be ingested; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LoadedDocument:
    """A source file, read and split into sections, with what identifies its version."""

    source: str
    title: str
    sections: list[Section]
    content_hash: str
    size_bytes: int
    mtime: datetime


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files under ``paths`` (recursively, sorted, hidden entries skipped). Raises on a missing path."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {path}")
        if path.is_file():
            found.append(path)
            continue
        for child in sorted(path.rglob("*")):
            relative = child.relative_to(path).parts
            if child.is_file() and not any(part.startswith(".") for part in relative):
                found.append(child)
    return found


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise SkipFile("binary file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not valid UTF-8 text (byte {exc.start})") from exc


def html_to_markdown(html: str) -> tuple[str | None, str]:
    """Strip boilerplate (scripts, nav, headers, footers) and keep headings as Markdown headings."""
    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(_BOILERPLATE):
        tag.decompose()
    body = soup.find("main") or soup.find("article") or soup.body or soup
    lines = []
    for element in body.find_all(_BLOCK_TAGS):
        if element.find_parent(_BLOCK_TAGS):
            continue  # nested block: its text is already part of the parent
        text = element.get_text(" ", strip=True)
        if not text:
            continue
        level = _HEADING_TAGS.get(element.name)
        lines.append(f"{'#' * level} {text}" if level else text)
    return title, "\n\n".join(lines)


def _sections_for(path: Path, text: str) -> tuple[str | None, list[Section]]:
    suffix = path.suffix.lower()
    if suffix in MARKDOWN:
        return markdown_title(text), markdown_sections(text)
    if suffix in HTML:
        title, markdown = html_to_markdown(text)
        return title or markdown_title(markdown), markdown_sections(markdown)
    return None, plain_sections(text)


def load_file(path: Path, max_bytes: int) -> LoadedDocument:
    """Read one file. Raises ``SkipFile`` for unsupported, oversized, binary, non-UTF-8 or empty files."""
    if path.suffix.lower() not in SUPPORTED:
        raise SkipFile(f"unsupported file type {path.suffix or '(none)'}")
    stat = path.stat()
    if stat.st_size > max_bytes:
        raise SkipFile(f"larger than the {max_bytes // 1_000_000} MB limit")
    data = path.read_bytes()
    text = _decode(data)
    if not text.strip():
        raise SkipFile("empty file")
    title, sections = _sections_for(path, text)
    if not sections:
        raise SkipFile("no text content")
    return LoadedDocument(
        source=str(path.resolve()),
        title=title or path.stem.replace("-", " ").replace("_", " ").capitalize(),
        sections=sections,
        content_hash=hashlib.sha256(data).hexdigest(),
        size_bytes=stat.st_size,
        mtime=datetime.fromtimestamp(stat.st_mtime, UTC),
    )
