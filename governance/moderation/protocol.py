"""The interface every moderation layer, and the chain itself, implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from governance.moderation.verdict import Surface, Verdict


@runtime_checkable
class Moderator(Protocol):
    """Checks one text from one surface and says what to do with it."""

    name: str

    def check(self, text: str, surface: Surface) -> Verdict:
        """Return a verdict for ``text``; never raises for odd input (empty, huge, emoji, any script)."""
        ...
