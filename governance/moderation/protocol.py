"""The interfaces: every moderation layer (and the chain itself) is a Moderator; every decoder a Decoder."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from governance.moderation.decoding.revealed import Revealed
from governance.moderation.verdict import Surface, Verdict


@runtime_checkable
class Moderator(Protocol):
    """Checks one text from one surface and says what to do with it."""

    name: str

    def check(self, text: str, surface: Surface) -> Verdict:
        """Return a verdict for ``text``; never raises for odd input (empty, huge, emoji, any script)."""
        ...


@runtime_checkable
class Decoder(Protocol):
    """Finds text hidden in one encoding (base64, Morse, Unicode tags...) or one disguise (leetspeak, homoglyphs)."""

    name: str

    def reveal(self, text: str) -> list[Revealed]:
        """What ``text`` hides in this decoder's encoding; empty when nothing. Never raises."""
        ...
