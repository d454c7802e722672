"""Letter-substitution ciphers (ROT13, Atbash): a stretch that reads as English only once substituted."""

from __future__ import annotations

import re
import string

from governance.moderation.decoding.english import EnglishScore
from governance.moderation.decoding.revealed import Revealed

_SEGMENT = re.compile(r"[^\n:?!.]+")
_WORDS = re.compile(r"[A-Za-z]+")
MIN_CAPITALS = 8
_LOWER, _UPPER = string.ascii_lowercase, string.ascii_uppercase
ROT13 = str.maketrans(_LOWER + _UPPER, _LOWER[13:] + _LOWER[:13] + _UPPER[13:] + _UPPER[:13])
ATBASH = str.maketrans(_LOWER + _UPPER, _LOWER[::-1] + _UPPER[::-1])


class SubstitutionDecoder:
    """Substitutes each segment and keeps those that read as English only afterwards.

    A segment is text between line breaks, colons and sentence ends. It is kept when it was not English
    before (score below ``max_before``) and reads clearly better after (gain ``min_gain``).

    Segments are scored whole, so an English word whose ROT13 is also a word ("envy" / "rail") inside a
    sentence never flips the sentence; a segment needs ``min_letters`` letters.
    """

    def __init__(
        self,
        name: str,
        table: dict[int, int],
        english: EnglishScore,
        *,
        max_before: float = 2.5,
        min_gain: float = 1.5,
        min_letters: int = 3,
    ) -> None:
        self.name = name
        self._table = table
        self._english = english
        self._max_before = max_before
        self._min_gain = min_gain
        self._min_letters = min_letters

    def _all_words(self, segment: str, decoded: str) -> bool:
        """Every word a known word once substituted, and none before (too short to score: ``avt``)."""
        before, after = _WORDS.findall(segment), _WORDS.findall(decoded)
        is_word = self._english.is_word
        return bool(after) and not any(map(is_word, before)) and all(map(is_word, after))

    def reveal(self, text: str) -> list[Revealed]:
        """Each segment that decodes to English."""
        found = []
        for match in _SEGMENT.finditer(text):
            segment = match.group(0)
            letters = sum(ch.isascii() and ch.isalpha() for ch in segment)
            if letters < self._min_letters or (segment.isupper() and letters < MIN_CAPITALS):
                continue  # acronyms (VPN, WFH, LGTM) map to other acronyms
            before = self._english(segment)
            if before >= self._max_before:
                continue
            decoded = segment.translate(self._table)
            if self._english(decoded) - before >= self._min_gain or self._all_words(segment, decoded):
                found.append(Revealed(self.name, decoded.strip()))
        return found
