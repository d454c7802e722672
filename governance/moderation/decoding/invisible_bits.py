"""Bits written with invisible operators (garak's "Sneaky Bits": U+2062 for 0, U+2064 for 1)."""

from __future__ import annotations

import re

from governance.moderation.decoding.revealed import Revealed

# Invisible operators, zero-width spaces and joiners, word joiner, BOM: eight in a row carry data, not layout.
_RUN = re.compile("[\u200b-\u200d\u2060-\u2064\ufeff]{8,}")


class InvisibleBitsDecoder:
    """Runs of eight or more zero-width characters: binary written in invisible characters.

    Sneaky Bits writes each character as unpadded binary (six or seven bits) with zero-width spaces
    between words, and other schemes use zero-width space / non-joiner pairs, so the text cannot be
    recovered exactly; the run itself is reported as hidden content, with empty text.
    """

    name = "invisible_bits"

    def reveal(self, text: str) -> list[Revealed]:
        """One empty finding per run."""
        return [Revealed(self.name, "") for _ in _RUN.finditer(text)]
