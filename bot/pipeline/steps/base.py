"""The step protocol: do one thing to the turn, or stop the chain with a reply."""

from __future__ import annotations

from typing import Protocol

from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn


class Step(Protocol):
    """One link of the ordered chain. Return ``None`` to continue, or a ``Reply`` to answer now."""

    name: str

    async def __call__(self, turn: Turn) -> Reply | None:
        """Run the step."""
        ...
