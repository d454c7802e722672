"""Plain result objects every moderation layer returns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Surface = Literal["input", "output", "chunk"]
"""Where text comes from: a user's message, a model's answer, or a retrieved document chunk."""

SURFACES: tuple[Surface, ...] = ("input", "output", "chunk")


class Action(StrEnum):
    """What the caller should do with the text, from least to most severe."""

    ALLOW = "allow"
    REDACT = "redact"
    ESCALATE = "escalate"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        """Rank used to pick the most severe verdict: allow 0 < redact 1 < escalate 2 < block 3."""
        return _SEVERITY[self]


_SEVERITY = {Action.ALLOW: 0, Action.REDACT: 1, Action.ESCALATE: 2, Action.BLOCK: 3}


class Category(StrEnum):
    """Why a layer flagged text."""

    NONE = "none"
    INJECTION = "injection"
    OBFUSCATION = "obfuscation"
    TOXICITY = "toxicity"
    BLOCKLIST = "blocklist"
    BANNED_TOPIC = "banned_topic"
    HOSTED = "hosted"


@dataclass(frozen=True)
class Verdict:
    """One layer's (or the chain's) decision about one text.

    ``reason`` is safe to show to the user: it never quotes the text that was checked. When
    ``action`` is ``redact``, ``redacted_text`` holds the text with every matched term replaced by
    ``[redacted]``; the caller uses it in place of the original. It is ``None`` otherwise.
    """

    action: Action
    category: str
    score: float
    reason: str
    layer: str
    redacted_text: str | None = None

    @classmethod
    def allow(cls, layer: str = "chain") -> Verdict:
        """Nothing to act on."""
        return cls(Action.ALLOW, Category.NONE, 0.0, "No moderation policy matched.", layer)

    @property
    def flagged(self) -> bool:
        """Whether the caller must do anything other than pass the text on unchanged."""
        return self.action is not Action.ALLOW


def most_severe(verdicts: Iterable[Verdict]) -> Verdict | None:
    """The most severe verdict; the earliest wins a tie. ``None`` when there are none."""
    best: Verdict | None = None
    for verdict in verdicts:
        if best is None or verdict.action.severity > best.action.severity:
            best = verdict
    return best
