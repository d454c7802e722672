"""Payment card numbers of every brand: 12–19 digits, grouped or not, Luhn-checked.

Seventeen or more unbroken digits are also the shape of Discord ids (snowflakes, 17–20 digits), and one in
ten of those passes the Luhn check: such a number is a card only after a card word ("card", "visa", "exp").
Grouped numbers and the usual 12–16 digit ones need no context.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# Contiguous digits, 4-6-4/4-6-5 (Amex, Diners) or groups of four with a shorter last group, one separator.
_CARD = (
    r"(?<![\d+])(?:"
    r"\d{12,19}"
    r"|\d{4}(?P<a>[ -])\d{6}(?P=a)\d{4,5}"
    r"|\d{4}(?P<b>[ -])\d{4}(?P=b)\d{4}(?:(?P=b)\d{1,4}){0,2}"
    r")(?!\d)"
)
_NOT_DIGIT = re.compile(r"\D")
_SNOWFLAKE_DIGITS = 17
_CARD_WORDS = re.compile(
    r"\b(?:card|cards|visa|mastercard|master card|amex|maestro|discover|jcb|unionpay|cc|credit|debit|pan|exp|"
    r"expires|expiry|cvv|cvc|payment|pay)\b",
    re.IGNORECASE,
)
_CONTEXT_CHARS = 40
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

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Card numbers, less unbroken 17–19 digit ones (snowflake-shaped) with no card word near them."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags) or []
        return [r for r in results if not _snowflake_shaped(text[r.start : r.end]) or _card_context(text, r)]

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


def _snowflake_shaped(value: str) -> bool:
    return value.isdigit() and len(value) >= _SNOWFLAKE_DIGITS


def _card_context(text: str, result: RecognizerResult) -> bool:
    before = text[max(0, result.start - _CONTEXT_CHARS) : result.start]
    after = text[result.end : result.end + _CONTEXT_CHARS // 2]
    return bool(_CARD_WORDS.search(before) or _CARD_WORDS.search(after))
