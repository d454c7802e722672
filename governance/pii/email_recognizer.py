"""E-mail addresses, without Presidio's ``tldextract`` check (which fetches the public suffix list online)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

# A character of an unquoted local part: letters and digits of any script (combining accents too, for
# text in decomposed form), and the specials RFC 5322 allows.
_LOCAL = r"[\w\u0300-\u036f!#$%&'*+/=?^`{|}~-]"
# A domain label: letters, digits and inner hyphens, of any script.
_LABEL = r"[^\W_](?:[\w\u0300-\u036f-]{0,61}[^\W_])?"
# The top-level domain: letters, or an internationalised one in its ASCII form ("xn--p1ai").
_TLD = r"(?:[xX][nN]--[^\W_](?:[\w-]{0,57}[^\W_])?|[^\W\d_]{2,24})"
_EMAIL = (
    rf"(?<!{_LOCAL})"  # may follow a dot: "...JohnDoe@example.com" after an ellipsis
    rf"{_LOCAL}+(?:\.{{1,2}}{_LOCAL}+)*"  # a doubled dot occurs in real addresses ("john..doe")
    rf"@(?:{_LABEL}\.)+{_TLD}"
    r"(?![\w\u0300-\u036f]|-\w)"
)


class EmailPatternRecognizer(PatternRecognizer):
    """Presidio recognizer for EMAIL_ADDRESS: local part, dotted domain and a top-level domain.

    Any script in the local part and the domain, plus-addressing, subdomains, upper case and punycode
    top-level domains; an address followed by a hyphen and a blank ("john@example.com-") still counts.
    """

    def __init__(self) -> None:
        super().__init__(
            supported_entity="EMAIL_ADDRESS",
            name="StewardEmailRecognizer",
            patterns=[Pattern("email", _EMAIL, 0.9)],
        )
