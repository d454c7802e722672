"""What the redactor needs from a PII detector."""

from __future__ import annotations

from typing import Protocol

from governance.pii.entity import PIIEntity


class Detector(Protocol):
    """Finds PII candidates in a text; they may overlap (the redactor resolves that)."""

    def detect(self, text: str) -> list[PIIEntity]:
        """Candidate spans at or above the detector's score threshold."""
        ...
