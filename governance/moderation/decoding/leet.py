"""Leetspeak: digits and symbols standing in for letters ("1gn0r3 4ll")."""

from __future__ import annotations

import re

from governance.moderation.decoding.english import EnglishScore
from governance.moderation.decoding.revealed import Revealed

_TABLE = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "0": "o", "5": "s", "$": "s", "7": "t"})
_MIXED = re.compile(r"(?=[\w@$!]*[A-Za-z])(?=[\w@$!]*[0-9@$])[\w@$!]{3,}")


class LeetDecoder:
    """Spells out words that mix letters with stand-ins, when that makes the text read as English.

    Only words mixing letters and stand-ins change, so numbers, dates and prices stay as they are.
    The result is classified like any text; it counts as hidden when at least ``min_words`` words
    changed and the text reads clearly better (``min_gain``), since leetspeak is then deliberate.
    """

    name = "leetspeak"

    def __init__(self, english: EnglishScore, *, min_gain: float = 0.8, min_words: int = 1) -> None:
        self._english = english
        self._min_gain = min_gain
        self._min_words = min_words

    def reveal(self, text: str) -> list[Revealed]:
        """The spelt-out text, if any word changed."""
        changed = 0

        def spell(match: re.Match[str]) -> str:
            nonlocal changed
            word = match.group(0)
            spelt = word.translate(_TABLE)
            changed += spelt != word
            return spelt

        decoded = _MIXED.sub(spell, text)
        if not changed:
            return []
        hidden = changed >= self._min_words and self._english.gain(text, decoded) >= self._min_gain
        return [Revealed(self.name, decoded, hidden=hidden)]
