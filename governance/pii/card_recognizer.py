"""Payment card numbers of every brand: 12–19 digits, grouped or not, Luhn-checked."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

# Contiguous digits, 4-6-4/4-6-5 (Amex, Diners) or groups of four with a shorter last group, one separator.
_CARD = (
    r"(?<![\d+])(?:"
    r"\d{12,19}"
    r"|\d{4}(?P<a>[ -])\d{6}(?P=a)\d{4,5}"
    r"|\d{4}(?P<b>[ -])\d{4}(?P=b)\d{4}(?:(?P=b)\d{1,4}){0,2}"
    r")(?!\d)"
)
_NOT_DIGIT = re.compile(r"\D")
# 12-digit numbers are only accepted for Maestro's ranges (50, 56–69, 0604); everything else needs 13–19.
_SHORT_PREFIXES = ("50", "56", "57", "58", "6", "0604")


class CardNumberRecognizer(PatternRecognizer):
    """Presidio recognizer for CREDIT_CARD that, unlike Presidio's, does not require a known brand prefix."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CREDIT_CARD",
            name="StewardCardNumberRecognizer",
            patterns=[Pattern("card number", _CARD, 0.3)],
        )

    def validate_result(self, pattern_text: str) -> bool:
        """Keep Luhn-valid numbers of a card's length (which then score 1.0)."""
        digits = _NOT_DIGIT.sub("", pattern_text)
        if not 12 <= len(digits) <= 19 or (digits.startswith("0") and not digits.startswith("0604")):
            return False
        if len(digits) == 12 and not digits.startswith(_SHORT_PREFIXES):
            return False
        return luhn_valid(digits)


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) checksum of a string of ASCII digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
