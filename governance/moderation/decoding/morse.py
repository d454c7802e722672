"""International Morse code written with dots and dashes."""

from __future__ import annotations

import re

from governance.moderation.decoding.revealed import Revealed

_CODE = {
    ".-": "a", "-...": "b", "-.-.": "c", "-..": "d", ".": "e", "..-.": "f", "--.": "g", "....": "h", "..": "i",
    ".---": "j", "-.-": "k", ".-..": "l", "--": "m", "-.": "n", "---": "o", ".--.": "p", "--.-": "q", ".-.": "r",
    "...": "s", "-": "t", "..-": "u", "...-": "v", ".--": "w", "-..-": "x", "-.--": "y", "--..": "z",
    "-----": "0", ".----": "1", "..---": "2", "...--": "3", "....-": "4", ".....": "5", "-....": "6",
    "--...": "7", "---..": "8", "----.": "9", ".-.-.-": ".", "--..--": ",", "..--..": "?", "-.-.--": "!",
    "-..-.": "/", "-.--.": "(", "-.--.-": ")", ".-...": "&", "---...": ":", "-.-.-.": ";", "-...-": "=",
    ".-.-.": "+", "-....-": "-", ".-..-.": '"', ".--.-.": "@", ".----.": "'",
}  # fmt: skip
_RUN = re.compile(r"[.\-]{1,7}(?:[ \t/|]+[.\-]{1,7}){2,}")


class MorseDecoder:
    """Runs of at least three Morse letters (spaces between letters, ``/`` or wider gaps between words)."""

    name = "morse"

    def reveal(self, text: str) -> list[Revealed]:
        """The decoded text of each run in which every symbol is valid Morse and dots and dashes both occur."""
        found = []
        for match in _RUN.finditer(text):
            run = match.group(0)
            if "." not in run or "-" not in run:
                continue
            words = [word.split() for word in re.split(r"\s*[/|]\s*|\s{2,}", run)]
            if all(symbol in _CODE for word in words for symbol in word):
                found.append(Revealed(self.name, " ".join("".join(_CODE[s] for s in word) for word in words)))
        return found
