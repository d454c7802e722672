"""ASCII smuggled in invisible code points: Unicode tag characters and variation selectors."""

from __future__ import annotations

import re

from governance.moderation.decoding.readable import looks_readable
from governance.moderation.decoding.revealed import Revealed


class CodepointDecoder:
    """Maps each code point of a run in ``[first, first + 0x7f]`` to ``chr(cp - first)``.

    Tag characters (``first`` U+E0000) are invisible, as are the variation selectors supplement
    (U+E0100): a run of them hides ASCII that a model reads but a person does not see. Runs of
    at least ``min_run`` such code points count; shorter ones are emoji flags and glyph variants.
    """

    def __init__(self, name: str, first: int, *, min_run: int = 3) -> None:
        self.name = name
        self._first = first
        self._run = re.compile(f"[{chr(first)}-{chr(first + 0x7F)}]{{{min_run},}}")

    def reveal(self, text: str) -> list[Revealed]:
        """The ASCII each run spells (kept even when it is not readable: the carrier alone is a finding)."""
        found = []
        for match in self._run.finditer(text):
            decoded = "".join(chr(ord(ch) - self._first) for ch in match.group(0))
            found.append(Revealed(self.name, decoded if looks_readable(decoded) else ""))
        return found
