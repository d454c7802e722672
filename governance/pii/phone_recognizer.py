"""Phone numbers as people type them: North American formats with extensions, and ``+`` international ones."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

_EXTENSION = r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?"
# (555)123-4567, 555-123-4567, 555.123.4567, +1-555-123-4567, 001-555-123-4567, 1 555 123 4567, x123 extensions.
_NANP = r"(?<![\w+])(?:(?:\+1|001|1)[-.\s]?)?(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.\s]\d{4}" + _EXTENSION + r"(?!\w)"
# 5551234567 or +15551234567: weaker, as any ten-digit number looks like this.
_NANP_DIGITS = r"(?<![\w+])(?:\+?1)?\d{10}" + _EXTENSION + r"(?!\w)"
# +44 20 7946 0958, +49 (0)30 1234567, +33-1-23-45-67-89 (the country code is not 1).
_INTERNATIONAL = r"(?<![\w+])\+[2-9]\d{0,2}(?:[-.\s]?(?:\(\d{1,4}\)|\d{1,5}+)){2,6}" + _EXTENSION + r"(?!\w)"
_DIGIT = re.compile(r"\d")


class PhonePatternRecognizer(PatternRecognizer):
    """Presidio recognizer for PHONE_NUMBER; regex only, so much cheaper than the ``phonenumbers`` matcher."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            name="StewardPhoneRecognizer",
            patterns=[
                Pattern("nanp formatted", _NANP, 0.7),
                Pattern("international", _INTERNATIONAL, 0.6),
                Pattern("nanp digits", _NANP_DIGITS, 0.4),
            ],
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        """Reject matches with fewer than 8 or more than 20 digits (extension included); keep the score otherwise."""
        count = len(_DIGIT.findall(pattern_text))
        return None if 8 <= count <= 20 else False
