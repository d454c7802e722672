"""Heading-aware, structure-aware, token-aware chunking.

Markdown is split on its headings (ATX ``#`` to ``####`` and setext underlines, never inside a code fence)
so every chunk knows its heading path. LangChain's ``MarkdownHeaderTextSplitter`` is not used because
it drops blank lines, and with them the difference between a paragraph break and a hard wrap. Section
bodies then go through ``structure.restructure`` (tables as sentences, list items with their lead-in,
paragraphs unwrapped) and long sections are split by token count with the embedding model's own
tokenizer (``RecursiveCharacterTextSplitter.from_huggingface_tokenizer``), so no chunk is silently
truncated and a code block that fits in a chunk is never split.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from agents.ingestion.structure import CODE_BLANK, restructure

_WS = re.compile(r"\s+")
_ATX = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Section:
    """A run of text under one heading path (outermost heading first).

    ``page`` (1-based, PDFs) and ``anchor`` (an HTML id, for ``url#anchor``) say where a citation
    should point inside the source.
    """

    headings: tuple[str, ...]
    text: str
    page: int | None = None
    anchor: str | None = None


@dataclass(frozen=True)
class ChunkDraft:
    """A chunk ready to embed: its position, heading path, text and size."""

    index: int
    heading_path: str
    text: str
    token_count: int
    content_hash: str
    page: int | None = None
    anchor: str | None = None


def normalise(text: str) -> str:
    """Collapse whitespace and case, for content hashes and dedupe."""
    return _WS.sub(" ", text).strip().lower()


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def _markdown_heading(lines: list[str], i: int) -> tuple[int, str, int] | None:
    """``(level, title, lines used)`` for an ATX or setext heading at line ``i``."""
    if match := _ATX.match(lines[i]):
        return len(match.group(1)), match.group(2).strip(), 1
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    starts = i == 0 or not lines[i - 1].strip()
    if starts and lines[i].strip() and not lines[i].lstrip().startswith(("|", "-", "*", ">")) and _SETEXT.match(nxt):
        return (1 if nxt.startswith("=") else 2), lines[i].strip(), 2
    return None


def _markdown_blocks(markdown: str) -> list[tuple[tuple[str, ...], list[str]]]:
    """Heading paths with the body lines under each, in order (headings in code fences are text)."""
    stack: list[tuple[int, str]] = []
    out: list[tuple[tuple[str, ...], list[str]]] = [((), [])]
    lines, fenced, i = markdown.replace("\r\n", "\n").split("\n"), False, 0
    while i < len(lines):
        fenced = fenced != bool(_FENCE.match(lines[i]))
        found = None if fenced else _markdown_heading(lines, i)
        if found is None:
            out[-1][1].append(lines[i])
            i += 1
            continue
        level, title, used = found
        stack = [h for h in stack if h[0] < level] + [(level, title)]
        out.append((tuple(t for _, t in stack), []))
        i += used
    return out


def markdown_sections(markdown: str) -> list[Section]:
    """Split Markdown on headings (h1–h4), keeping each section's heading path; bodies restructured."""
    sections = []
    for headings, body in _markdown_blocks(markdown):
        text = restructure("\n".join(body).replace("  \n", "\n"), headings[-1] if headings else "").strip()
        if text:
            sections.append(Section(headings=headings, text=text))
    return sections


def plain_sections(text: str) -> list[Section]:
    """Plain text has no headings: one section."""
    stripped = text.strip()
    return [Section(headings=(), text=stripped)] if stripped else []


def markdown_title(markdown: str) -> str | None:
    """The first level-1 heading, if any."""
    match = re.search(r"^#\s+(.+?)\s*#*\s*$", markdown, flags=re.MULTILINE)
    return match.group(1).strip() if match else None


class Chunker:
    """Splits sections into chunks of at most ``chunk_tokens`` tokens of the embedding tokenizer."""

    def __init__(self, tokenizer: Any, chunk_tokens: int, chunk_overlap: int) -> None:
        if chunk_overlap >= chunk_tokens:
            raise ValueError("chunk overlap must be smaller than the chunk size")
        self._tokenizer = tokenizer
        self._splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
            tokenizer, chunk_size=chunk_tokens, chunk_overlap=chunk_overlap
        )

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text`` without special tokens."""
        return len(self._tokenizer.encode(text, add_special_tokens=False))

    def chunk(self, sections: list[Section]) -> list[ChunkDraft]:
        """Chunks in document order, numbered from 0."""
        drafts: list[ChunkDraft] = []
        for section in sections:
            path = " > ".join(section.headings)
            for split in self._splitter.split_text(section.text):
                piece = "\n".join("" if line == CODE_BLANK else line for line in split.split("\n")).strip()
                if not piece:
                    continue
                drafts.append(
                    ChunkDraft(
                        index=len(drafts),
                        heading_path=path,
                        text=piece,
                        token_count=self.count_tokens(piece),
                        content_hash=content_hash(piece),
                        page=section.page,
                        anchor=section.anchor,
                    )
                )
        return drafts
