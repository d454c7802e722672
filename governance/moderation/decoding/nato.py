"""The NATO spelling alphabet ("Alfa Bravo Charlie ...")."""

from __future__ import annotations

import re

from governance.moderation.decoding.revealed import Revealed

_WORDS = [
    "alfa", "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor",
    "whiskey", "whisky", "x-ray", "xray", "yankee", "zulu",
]  # fmt: skip
_WORD = "(?:" + "|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)) + ")"
_RUN = re.compile(rf"\b{_WORD}(?:[\s,]+{_WORD}){{2,}}\b", re.IGNORECASE)


class NatoDecoder:
    """Runs of at least three code words in a row; each stands for its first letter ("X-ray" for x)."""

    name = "nato"

    def reveal(self, text: str) -> list[Revealed]:
        """The spelt-out letters of each run."""
        return [
            Revealed(self.name, "".join(word[0].lower() for word in re.findall(r"[\w-]+", match.group(0))))
            for match in _RUN.finditer(text)
        ]
