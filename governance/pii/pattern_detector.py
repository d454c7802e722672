"""Regex-only detection: Presidio pattern recognizers run directly, without the analyzer engine or NER."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from presidio_analyzer import PatternRecognizer, RecognizerResult

from governance.pii.entity import PIIEntity

# Kinds whose every value contains a digit or an "@" (a street address has a house, box or unit number;
# bitcoin addresses start with 1, 3 or bc1; an IPv6 address
# of letters only is theoretically possible but not seen in practice). Texts with neither skip the regexes.
_DIGIT_OR_AT_KINDS = frozenset(
    {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "CRYPTO", "US_ITIN"}
    | {"STREET_ADDRESS"}
)
_DIGIT_OR_AT = re.compile(r"[\d@]")


class PatternDetector:
    """Runs recognizers that need no NLP artifacts; with none it detects nothing (``mode=off``)."""

    def __init__(self, recognizers: Sequence[PatternRecognizer], threshold: float) -> None:
        self._recognizers = tuple(recognizers)
        self._threshold = threshold
        self._needs_digit_or_at = self.kinds <= _DIGIT_OR_AT_KINDS

    @property
    def kinds(self) -> set[str]:
        """The entity kinds this detector can report."""
        return {kind for recognizer in self._recognizers for kind in recognizer.supported_entities}

    def detect(self, text: str) -> list[PIIEntity]:
        """Candidate spans scoring at least the threshold."""
        if not self._recognizers or not text:
            return []
        if self._needs_digit_or_at and not _DIGIT_OR_AT.search(text):
            return []
        results: list[RecognizerResult] = []
        for recognizer in self._recognizers:
            results += recognizer.analyze(text, recognizer.supported_entities) or []
        return to_entities(results, self._threshold)


def to_entities(results: Iterable[RecognizerResult], threshold: float, offset: int = 0) -> list[PIIEntity]:
    """Presidio results as ``PIIEntity`` values, dropping those below ``threshold``."""
    return [
        PIIEntity(result.entity_type, result.start + offset, result.end + offset, float(result.score))
        for result in results
        if result.score >= threshold and result.end > result.start
    ]
