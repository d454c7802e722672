"""Phone numbers in international and national formats of many countries, checked with ``phonenumbers``.

A regular expression proposes candidates shaped like phone numbers (6–15 digits in groups, an area code in
parentheses, a ``+`` country code, an extension); ``phonenumbers`` (Google's libphonenumber metadata, a
Presidio dependency) then decides: a ``+`` number must be a possible number of its country, a national one
a valid number of at least one of ``REGIONS``. Shapes that belong to other things are rejected first:
dates, SSNs, IPv4 addresses, decimals.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from presidio_analyzer import Pattern, PatternRecognizer

# 70 regions, most-used first (the check stops at the first region where the number is valid).
_REGION_CODES = (
    "US CA GB IE DE FR NL BE LU AT CH IT ES PT DK NO SE FI IS GL EE LV LT PL CZ SK HU SI HR RS RO BG GR CY MT "
    "TR RU UA IL AE SA EG MA TN ZA NG KE IN PK BD JP KR CN HK TW SG MY TH PH ID VN AU NZ MX BR AR CL CO PE UY"
)
REGIONS = tuple(_REGION_CODES.split())
_EXTENSION = r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?"
_GROUP_SEP = r"(?:[ \u00a0]?[-./][ \u00a0]?|[ \u00a0])"
# +44 20 7946 0958, (11) 7881-7987, 0681 898 32 16, 03.31.83.80.78, 070-820-714, 555-123-4567 x12.
_END = r"(?!\w|[-.,/:]\d)"
_FORMATTED = (
    r"(?<![\w+./-])(?<!\d,)(?:\+\d{1,3}" + _GROUP_SEP + r"?)?(?:\(\+?\d{1,5}\)[ \u00a0]?)?\d{1,8}"
    r"(?:" + _GROUP_SEP + r"\d{1,8}){1,6}" + _EXTENSION + _END
)
# Unbroken digits: +4930123456, 00 or 0 trunk prefix, or ten digits (North America).
_UNBROKEN = r"(?<![\w+./-])(?<!\d,)(?:\+\d{7,15}|0\d{6,12}|1?\d{10})" + _EXTENSION + _END
_DIGIT = re.compile(r"\d")
_NOT_PHONE = re.compile(
    r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}"  # 2024-05-03
    r"|\d{1,2}[-./]\d{1,2}[-./](?:\d{2}|\d{4})"  # 03.05.2024, 5/3/24
    r"|\d{3}[- ]\d{2}[- ]\d{4}"  # SSN shape
    r"|\d{4,5}-\d{3}"  # Portuguese and Brazilian postcodes
    r"|\d{1,3}(?:\.\d{1,3}){3}"  # IPv4
    r"|\d+\.\d+)$"  # a decimal
)
_EXTENSION_TAIL = re.compile(r"\s?(?:x|ext\.?|extension)\s?\d{1,6}$")


class PhonePatternRecognizer(PatternRecognizer):
    """Presidio recognizer for PHONE_NUMBER: regex candidates, ``phonenumbers`` validation."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            name="StewardPhoneRecognizer",
            patterns=[Pattern("formatted", _FORMATTED, 0.7), Pattern("unbroken", _UNBROKEN, 0.5)],
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        """Keep candidates ``phonenumbers`` accepts (keeping the pattern's score); reject the rest."""
        return None if is_phone(pattern_text) else False


@lru_cache(maxsize=4096)
def is_phone(candidate: str) -> bool:
    """Whether ``candidate`` is a possible international or a valid national number of some region."""
    number = _EXTENSION_TAIL.sub("", candidate.strip())
    digits = len(_DIGIT.findall(number))
    if not 6 <= digits <= 15 or _NOT_PHONE.match(number):
        return False
    if number.startswith("00"):
        number = "+" + number[2:]
    if number.startswith("+"):
        return digits >= 7 and _international(number)
    return any(_parses(number, region) for region in REGIONS)


def _international(number: str) -> bool:
    """A known country code and a possible length for it (or 8–15 digits: people mistype lengths)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    known = phonenumbers.region_code_for_country_code(parsed.country_code or 0) != phonenumbers.UNKNOWN_REGION
    return known and (phonenumbers.is_possible_number(parsed) or len(str(parsed.national_number)) >= 7)


def _parses(number: str, region: str) -> bool:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)
