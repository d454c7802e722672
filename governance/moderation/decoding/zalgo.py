"""Zalgo text: letters buried under stacks of combining marks."""

from __future__ import annotations

import re
import unicodedata

from governance.moderation.decoding.revealed import Revealed

# Combining Diacritical Marks (and their supplement), the block Zalgo generators draw from. Other
# scripts' marks (Hebrew points, Thai and Devanagari vowel signs) are elsewhere and never count.
_MARKS = "\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff"
_STACK = re.compile(f"[^{_MARKS}][{_MARKS}]{{2,}}")
_ANY = re.compile(f"[{_MARKS}]+")


class ZalgoDecoder:
    """Strips combining marks when ``min_stacks`` or more characters carry two or more of them each.

    After NFC, accented Latin, Greek and Vietnamese letters are precomposed and carry no loose marks;
    Zalgo leaves several on nearly every letter.
    """

    name = "zalgo"

    def __init__(self, *, min_stacks: int = 2) -> None:
        self._min_stacks = min_stacks

    def reveal(self, text: str) -> list[Revealed]:
        """The text without its combining marks, when it was Zalgo."""
        composed = unicodedata.normalize("NFC", text)
        if len(_STACK.findall(composed)) < self._min_stacks:
            return []
        return [Revealed(self.name, _ANY.sub("", unicodedata.normalize("NFD", composed)))]
