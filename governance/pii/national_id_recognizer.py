"""Numbers shaped like a US Social Security number, valid or not.

Presidio's ``UsSsnRecognizer`` drops numbers the SSA never issues (``078-05-1120``, area 000, 666 or 9xx).
A compliance reader still sees an SSN in them, so Steward redacts every ``ddd-dd-dddd`` (dashes, blanks or
dots, one kind of separator), and nine unbroken digits when an SSN word comes shortly before.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_SEPARATED = r"(?<![\w.-])\d{3}(?P<sep>[- .])\d{2}(?P=sep)\d{4}(?![\w-]|\.\d)"
_UNBROKEN = r"(?<![\w.-])\d{9}(?![\w-]|\.\d)"
# Words that make nine bare digits an SSN (searched in the 48 characters before the number).
_CONTEXT = re.compile(r"\b(?:ssn|ssns|social[- ]security|taxpayer|tax[- ]id|tin|itin|national[- ]id)\b", re.I)
_LOOKBEHIND = 48


class NationalIdRecognizer(PatternRecognizer):
    """Presidio recognizer for US_SSN that keeps invalid numbers of the SSN's shape."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="US_SSN",
            name="StewardNationalIdRecognizer",
            patterns=[Pattern("ssn separated", _SEPARATED, 0.85), Pattern("ssn unbroken", _UNBROKEN, 0.6)],
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """The pattern matches, less unbroken nine-digit numbers with no SSN word before them."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags) or []
        return [r for r in results if not text[r.start : r.end].isdigit() or _has_context(text, r.start)]


def _has_context(text: str, start: int) -> bool:
    return _CONTEXT.search(text, max(0, start - _LOOKBEHIND), start) is not None
