"""Unicode Braille patterns (U+2800-U+28FF) read as English Grade 1 Braille."""

from __future__ import annotations

import re

from governance.moderation.decoding.revealed import Revealed

_LETTERS = dict(zip("⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚⠅⠇⠍⠝⠕⠏⠟⠗⠎⠞⠥⠧⠺⠭⠽⠵", "abcdefghijklmnopqrstuvwxyz", strict=True))
_DIGITS = dict(zip("⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚", "1234567890", strict=True))
_PUNCTUATION = {"⠲": ".", "⠂": ",", "⠖": "!", "⠦": "?", "⠄": "'", "⠤": "-", "⠌": "/", "⠒": ":", "⠆": ";", "⠶": "()"}
_CAPITAL, _NUMBER = "⠠", "⠼"
_RUN = re.compile(r"[\u2800-\u28ff][\u2800-\u28ff \t]*[\u2800-\u28ff]")


class BrailleDecoder:
    """Runs of two or more Braille cells; the capital and number signs apply to what follows."""

    name = "braille"

    def reveal(self, text: str) -> list[Revealed]:
        """The decoded text of each run."""
        return [Revealed(self.name, _decode(match.group(0))) for match in _RUN.finditer(text)]


def _decode(run: str) -> str:
    out: list[str] = []
    capital = number = False
    for cell in run:
        if cell == _CAPITAL:
            capital = True
        elif cell == _NUMBER:
            number = True
        elif cell in " \t":
            number = False
            out.append(" ")
        else:
            char = _DIGITS.get(cell) if number else None
            char = char or _LETTERS.get(cell) or _PUNCTUATION.get(cell, "?")
            out.append(char.upper() if capital else char)
            capital = False
    return "".join(out)
