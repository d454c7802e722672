"""Turning source bytes into titled, heading-aware sections. Anything unusable raises ``SkipFile``.

``parse`` handles Markdown, plain text, HTML, PDF and DOCX (by file name suffix, or by content type for
URLs); ``discover`` and ``load_file`` are the older path-based entry points and still work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from bs4 import BeautifulSoup, Tag

from agents.ingestion.chunking import Section, markdown_sections, markdown_title
from agents.ingestion.formats import Block, SkipFile, docx_document, pdf_document, sections_from_blocks
from agents.ingestion.plaintext import text_sections, text_title
from agents.ingestion.sources import RawSource
from agents.ingestion.structure import CODE_BLANK, table_sentences
from agents.ingestion.urls import DOCX_TYPE

__all__ = [
    "PARSER_VERSION",
    "LoadedDocument",
    "SkipFile",
    "discover",
    "html_to_markdown",
    "load_file",
    "parse",
    "source_hash",
]

MARKDOWN = {".md", ".markdown"}
TEXT = {".txt", ".text", ".rst"}
HTML = {".html", ".htm"}
PDF = {".pdf"}
DOCX = {".docx"}
SUPPORTED = MARKDOWN | TEXT | HTML | PDF | DOCX

_KIND_BY_SUFFIX = {
    **dict.fromkeys(MARKDOWN, "markdown"),
    **dict.fromkeys(TEXT, "text"),
    **dict.fromkeys(HTML, "html"),
    **dict.fromkeys(PDF, "pdf"),
    **dict.fromkeys(DOCX, "docx"),
}
_KIND_BY_TYPE = {
    "text/markdown": "markdown",
    "text/plain": "text",
    "text/x-rst": "text",
    "text/html": "html",
    "application/pdf": "pdf",
    DOCX_TYPE: "docx",
}

# Part of every document's content hash: bump it when parsing or chunking changes what a source becomes,
# so the next ingest or re-index re-chunks sources whose bytes did not change (they are otherwise skipped).
PARSER_VERSION = "2"

_BOILERPLATE = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg"]
_HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
_BLOCK_TAGS = ["h1", "h2", "h3", "h4", "p", "li", "pre", "blockquote", "table", "dl", "td", "th", "dt", "dd"]


@dataclass(frozen=True)
class LoadedDocument:
    """A source, read and split into sections, with what identifies its version."""

    source: str
    title: str
    sections: list[Section]
    content_hash: str
    size_bytes: int
    mtime: datetime
    etag: str | None = None


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
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not valid UTF-8 text (byte {exc.start})") from exc
    if not text.strip():
        raise SkipFile("empty file")
    return text


def _html_blocks(html: str) -> tuple[str | None, list[Block]]:
    """The page title and its text blocks in order, boilerplate (scripts, nav, headers, footers) removed."""
    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(_BOILERPLATE):
        tag.decompose()
    body = soup.find("main") or soup.find("article") or soup.body or soup
    blocks: list[Block] = []
    lead = ""
    for element in body.find_all(_BLOCK_TAGS):
        if element.find_parent(_BLOCK_TAGS):
            continue  # nested block: its text is already part of the parent
        text = _block_text(element, lead)
        if text:
            level = _HEADING_TAGS.get(element.name)
            blocks.append((level, text, _anchor(element) if level else None))
            lead = text if element.name == "li" and lead else (_lead_in(text) if text.endswith(":") else "")
    return title, blocks


def _lead_in(text: str) -> str:
    return text.rstrip(":").rsplit(". ", 1)[-1].strip()


def _block_text(element: Tag, lead: str) -> str:
    """A block's text: tables as a sentence per row, definitions as "term: definition", code verbatim.

    A list item is prefixed with its lead-in, the paragraph (ending with ":") before its list.
    """
    if element.name == "table":
        rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in element.find_all("tr")]
        return "\n".join(table_sentences([r for r in rows if any(r)]))
    if element.name == "dl":
        return "\n".join(_definitions(element))
    if element.name == "pre":
        code = element.get_text().strip("\n")
        return "\n".join(line if line.strip() else CODE_BLANK for line in code.split("\n"))
    text = element.get_text(" ", strip=True)
    if element.name == "li" and lead and text:
        return f"{lead.split(': ', 1)[0]}: {text}"
    return text


def _definitions(dl: Tag) -> list[str]:
    items: list[str] = []
    term = ""
    for child in dl.find_all(["dt", "dd"]):
        text = child.get_text(" ", strip=True)
        if child.name == "dt":
            term = text
        elif text:
            items.append(f"{term}: {text}" if term else text)
    return items


def _anchor(heading: Tag) -> str | None:
    """The heading's own ``id``, else that of an element inside it (``<h2><a id=...>`` or ``<a name=...>``)."""
    if heading.get("id"):
        return str(heading["id"])
    inner = heading.find(id=True) or heading.find("a", attrs={"name": True})
    if isinstance(inner, Tag):
        return str(inner.get("id") or inner.get("name"))
    return None


def html_to_markdown(html: str) -> tuple[str | None, str]:
    """Strip boilerplate (scripts, nav, headers, footers) and keep headings as Markdown headings."""
    title, blocks = _html_blocks(html)
    return title, "\n\n".join(f"{'#' * level} {text}" if level else text for level, text, _ in blocks)


def _markdown(data: bytes) -> tuple[str | None, list[Section]]:
    text = _decode(data)
    return markdown_title(text), markdown_sections(text)


def _text(data: bytes) -> tuple[str | None, list[Section]]:
    """Plain text, reST, man pages, e-mail: headings found and hard wraps undone."""
    text = _decode(data)
    return text_title(text), text_sections(text)


def _html(data: bytes) -> tuple[str | None, list[Section]]:
    """HTML sections carry ``anchor``: the id of the heading that starts them, for ``url#anchor`` citations."""
    title, blocks = _html_blocks(_decode(data))
    heading = next((text for level, text, _ in blocks if level == 1), None)
    return title or heading, sections_from_blocks(blocks)


_PARSERS: dict[str, Callable[[bytes], tuple[str | None, list[Section]]]] = {
    "markdown": _markdown,
    "text": _text,
    "html": _html,
    "pdf": pdf_document,
    "docx": docx_document,
}


def _kind(name: str, content_type: str | None) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    kind = _KIND_BY_SUFFIX.get(suffix) or _KIND_BY_TYPE.get((content_type or "").split(";")[0].strip().lower())
    if kind is None:
        raise SkipFile(f"unsupported file type {suffix or '(none)'}")
    return kind


def parse(raw: RawSource) -> LoadedDocument:
    """Parse one source into a document; raises ``SkipFile`` (and nothing else) when it cannot be used.

    Unsupported, binary, non-UTF-8, empty, encrypted, malformed and text-less content are all skipped.

    ``mtime`` falls back to the time of parsing when the source has none (a URL without Last-Modified).
    """
    kind = _kind(raw.name, raw.content_type)
    if not raw.data.strip():
        raise SkipFile("empty file")
    title, sections = _PARSERS[kind](raw.data)
    if not sections:
        raise SkipFile("no text content")
    return LoadedDocument(
        source=raw.origin,
        title=title or PurePosixPath(raw.name).stem.replace("-", " ").replace("_", " ").capitalize(),
        sections=sections,
        content_hash=source_hash(raw.data),
        size_bytes=len(raw.data),
        mtime=raw.mtime or datetime.now(UTC),
        etag=raw.etag,
    )


def source_hash(data: bytes) -> str:
    """The version key of a source: its bytes and the parser version (see ``PARSER_VERSION``)."""
    return hashlib.sha256(data + f"\x00steward-parser:{PARSER_VERSION}".encode()).hexdigest()


def load_file(path: Path, max_bytes: int) -> LoadedDocument:
    """Read one file. Raises ``SkipFile`` for unsupported, oversized, binary, non-UTF-8 or empty files."""
    _kind(path.name, None)
    stat = path.stat()
    if stat.st_size > max_bytes:
        raise SkipFile(f"larger than the {max_bytes // 1_000_000} MB limit")
    mtime = datetime.fromtimestamp(stat.st_mtime, UTC)
    return parse(RawSource(origin=str(path.resolve()), name=path.name, data=path.read_bytes(), mtime=mtime))
