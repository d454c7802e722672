"""Heading-aware, token-aware chunking.

Markdown is split on headings with LangChain's ``MarkdownHeaderTextSplitter`` so every chunk knows its
heading path; long sections are then split by token count with the embedding model's own tokenizer
(``RecursiveCharacterTextSplitter.from_huggingface_tokenizer``), so no chunk is silently truncated.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
_WS = re.compile(r"\s+")


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


def markdown_sections(markdown: str) -> list[Section]:
    """Split Markdown on headings (h1–h4), keeping each section's heading path."""
    splitter = MarkdownHeaderTextSplitter(headers_to_split_on=_HEADERS, strip_headers=True)
    sections = []
    for doc in splitter.split_text(markdown):
        headings = tuple(doc.metadata[key] for _, key in _HEADERS if key in doc.metadata)
        text = doc.page_content.replace("  \n", "\n").strip()
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
            for piece in self._splitter.split_text(section.text):
                piece = piece.strip()
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
