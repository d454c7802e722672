"""One detected piece of PII."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PIIEntity:
    """A detected span: its Presidio entity kind, character offsets and detector confidence.

    Offsets refer to the input text after ``strip_invisible``; the value itself is never stored here, so
    entities can go to the audit log.
    """

    kind: str
    start: int
    end: int
    score: float

    @property
    def length(self) -> int:
        """Number of characters the span covers."""
        return self.end - self.start

    def overlaps(self, other: PIIEntity) -> bool:
        """Whether the two spans share at least one character."""
        return self.start < other.end and other.start < self.end
