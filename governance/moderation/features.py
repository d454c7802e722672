"""N-gram features shared by training and run time, so both see exactly the same terms.

Character n-grams run over the lower-cased text with words joined by single spaces (and a space at
either end), which makes them robust to spelling tricks; word n-grams catch phrasing. Word terms
carry a tab prefix: whitespace is collapsed to spaces first, so no character n-gram holds a tab.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_WORD = re.compile(r"\w+")
_PIECE_BREAK = re.compile(r"(?<=[.!?;:])\s+|\n+")
WORD_PREFIX = "\t"


@dataclass(frozen=True)
class NgramSpec:
    """Which n-grams are extracted: inclusive character and word n-gram ranges."""

    char_min: int = 2
    char_max: int = 5
    word_min: int = 1
    word_max: int = 2

    def terms(self, text: str) -> list[str]:
        """Every character and word n-gram of ``text``, with repeats (counts matter)."""
        lowered = text.lower()
        padded = " " + " ".join(lowered.split()) + " "
        size = len(padded)
        found = [padded[i : i + n] for n in range(self.char_min, self.char_max + 1) for i in range(size - n + 1)]
        words = _WORD.findall(lowered)
        for n in range(self.word_min, self.word_max + 1):
            found.extend(WORD_PREFIX + " ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        return found


def windows(text: str, size: int = 320, overlap: int = 64) -> list[str]:
    """Split long text into sentence-packed windows of at most ``size`` characters.

    Injected instructions are usually a sentence or two inside otherwise ordinary text; scoring each
    window keeps them from being diluted by the rest of a long message or document chunk. A single
    sentence longer than ``size`` is cut into pieces that overlap by ``overlap`` characters.
    """
    if len(text) <= size:
        return [text]
    found: list[str] = []
    current = ""
    for piece in _pieces(text, size, overlap):
        if current and len(current) + 1 + len(piece) > size:
            found.append(current)
            current = piece
        else:
            current = f"{current} {piece}" if current else piece
    if current:
        found.append(current)
    return found


def _pieces(text: str, size: int, overlap: int) -> Iterator[str]:
    for raw in _PIECE_BREAK.split(text):
        piece = raw.strip()
        while len(piece) > size:
            yield piece[:size]
            piece = piece[size - overlap :]
        if piece:
            yield piece
