"""E-mail addresses, without Presidio's ``tldextract`` check (which fetches the public suffix list online)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

_EMAIL = (
    r"(?<![\w.!#$%&'*+/=?^`{|}~-])"
    r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"
    r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,24}"
    r"(?![\w-])"
)


class EmailPatternRecognizer(PatternRecognizer):
    """Presidio recognizer for EMAIL_ADDRESS: local part, dotted domain and an alphabetic top-level domain."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="EMAIL_ADDRESS",
            name="StewardEmailRecognizer",
            patterns=[Pattern("email", _EMAIL, 0.9)],
        )
