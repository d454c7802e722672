"""The answer contract every backend and adapter shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    """Context ``[n]`` as shown to the model, mapped back to where it came from."""

    n: int
    source: str
    title: str
    chunk_id: str
    score: float
    heading_path: str = ""

    def as_json(self) -> dict[str, Any]:
        """The public JSON shape (``steward ask --json``)."""
        return {
            "n": self.n,
            "source": self.source,
            "title": self.title,
            "chunk_id": self.chunk_id,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Answer:
    """What Steward says, what it cites, which model said it, and how long each stage took.

    ``mode`` is ``generated`` (the model's grounded answer), ``extractive`` (the model's answer failed the
    groundedness check, so the most relevant sentences are quoted instead) or ``abstained``.
    """

    text: str
    citations: list[Citation]
    model: str
    abstained: bool = False
    mode: str = "generated"
    groundedness: float | None = None
    adapter: str | None = None
    route_reason: str = "local"
    cost_usd: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    facts: tuple[str, ...] = ()  # the numbered facts the local prompt showed, in order (kept for tuning data)
