"""Ingest-time screening: the offending sentences of a chunk are quarantined, the rest stays searchable.

``agents`` does not know how text is judged (that is governance's job, and ``agents`` never imports
``governance``): the composition root passes an object that satisfies ``ChunkScreen``. This module
holds the plain text arithmetic both sides share: sentence spans, removing spans from a chunk, and
putting one released span back into a chunk that still lacks the others.

Offsets are character offsets into the chunk's text as chunked (before anything was removed), so a
released span can be put back exactly where it was, whatever else is still quarantined.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

# A sentence ends at . ! or ? followed by blanks, or at a line break; the blanks after it belong to it.
_BOUNDARY = re.compile(r"(?<=[.!?])[ \t]+|\s*\n\s*")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Span:
    """A run of a chunk's text: ``start`` is its character offset, ``text`` exactly what is there."""

    start: int
    text: str

    @property
    def end(self) -> int:
        """Offset just past the span."""
        return self.start + len(self.text)


@dataclass(frozen=True)
class Flagged:
    """A quarantined span and why: ``category`` (e.g. ``injection``), the detector's ``score`` and ``layer``."""

    span: Span
    category: str
    score: float
    layer: str


@dataclass(frozen=True)
class Screened:
    """A chunk's text split into what stays searchable (``kept``) and what is quarantined."""

    kept: str
    quarantined: tuple[Flagged, ...] = ()

    def keeping(self, original: str, released: Iterable[str]) -> Screened:
        """The same split with every span whose ``sentence_hash`` is in ``released`` kept instead."""
        allowed = set(released)
        still = tuple(f for f in self.quarantined if sentence_hash(f.span.text) not in allowed)
        if len(still) == len(self.quarantined):
            return self
        return Screened(remove_spans(original, [f.span for f in still]), still)


class ChunkScreen(Protocol):
    """Splits a chunk's text into kept text and quarantined spans, with reasons."""

    def screen(self, text: str) -> Screened:
        """Never raises for odd text; a clean chunk comes back whole with nothing quarantined."""
        ...


def sentence_spans(text: str) -> list[Span]:
    """The sentences of ``text`` in order, each with the blanks that follow it; together they are all of it."""
    spans: list[Span] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        if boundary.start() > start:
            spans.append(Span(start, text[start : boundary.end()]))
            start = boundary.end()
    if start < len(text):
        spans.append(Span(start, text[start:]))
    return spans


def remove_spans(text: str, spans: Sequence[Span]) -> str:
    """``text`` without the given (non-overlapping) spans."""
    kept, at = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        kept.append(text[at : span.start])
        at = max(at, span.end)
    kept.append(text[at:])
    return "".join(kept)


def restore_span(current: str, missing: Sequence[Span], released: Span) -> str:
    """Put ``released`` back into ``current``, which lacks every span in ``missing`` (``released`` among them)."""
    shift = sum(len(s.text) for s in missing if s.start < released.start)
    at = released.start - shift
    return current[:at] + released.text + current[at:]


def sentence_hash(text: str) -> str:
    """SHA-256 of the sentence with blanks collapsed and case folded: how a release is remembered."""
    return hashlib.sha256(_WS.sub(" ", text).strip().lower().encode("utf-8")).hexdigest()


def is_blank(text: str) -> bool:
    """Nothing but blanks left."""
    return not text.strip()
