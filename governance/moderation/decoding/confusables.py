"""Look-alike letters from other scripts (Unicode confusables), folded to the Latin letters they imitate."""

from __future__ import annotations

import functools

from governance.moderation.decoding.revealed import Revealed


@functools.cache
def _table() -> dict[int, str]:
    from confusable_homoglyphs.confusables import confusables_data

    table: dict[int, str] = {}
    for char, entries in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        latin = [e["c"] for e in entries if len(e["c"]) == 1 and e["c"].isascii() and e["c"].isalnum()]
        if latin:
            table[ord(char)] = latin[0]
    return table


class ConfusablesDecoder:
    """Replaces characters that Unicode's confusables data says imitate an ASCII letter or digit.

    Only words that mix Latin letters with look-alikes (``раypal`` with a Cyrillic р and а), or consist
    wholly of look-alikes, change; most words written in Cyrillic or Greek stay as they are. The table comes from the
    ``confusable-homoglyphs`` package (Unicode's confusables.txt), built once per process.
    """

    name = "confusables"

    def __init__(self) -> None:
        self._table = _table()  # built here, not on the first message

    def reveal(self, text: str) -> list[Revealed]:
        """The folded text, when some word mixed scripts."""
        words = text.split()
        folded = [_fold(word, self._table) for word in words]
        if folded == words:
            return []
        return [Revealed(self.name, " ".join(folded), hidden=False)]


def _fold(word: str, table: dict[int, str]) -> str:
    if word.isascii():
        return word
    mixed = any(ch.isascii() and ch.isalpha() for ch in word)
    return word.translate(table) if mixed or all(ord(ch) in table for ch in word if ch.isalpha()) else word
