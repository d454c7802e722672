"""Which recognizer finds which entity kind: NER and the name gazetteer for names and places, patterns for the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from presidio_analyzer import EntityRecognizer, PatternRecognizer
from presidio_analyzer.predefined_recognizers import (
    CryptoRecognizer,
    DateRecognizer,
    IbanRecognizer,
    IpRecognizer,
    MacAddressRecognizer,
    MedicalLicenseRecognizer,
    NhsRecognizer,
    UrlRecognizer,
    UsBankRecognizer,
    UsItinRecognizer,
    UsLicenseRecognizer,
    UsPassportRecognizer,
)

from governance.pii.card_recognizer import CardNumberRecognizer
from governance.pii.email_recognizer import EmailPatternRecognizer
from governance.pii.gazetteer import NameGazetteer, packaged_gazetteer
from governance.pii.name_finder import NameFinder
from governance.pii.name_recognizer import GazetteerNameRecognizer
from governance.pii.national_id_recognizer import NationalIdRecognizer
from governance.pii.phone_recognizer import PhonePatternRecognizer
from governance.pii.spacy_recognizer import CheckedSpacyRecognizer
from governance.pii.street_recognizer import StreetAddressRecognizer

# Kinds spaCy's NER finds (``patterns`` mode skips them, except DATE_TIME which also has a pattern recognizer).
NER_KINDS = frozenset({"PERSON", "LOCATION", "NRP", "ORGANIZATION", "DATE_TIME"})
# Pattern recognizer per kind. Steward's own replace Presidio's for e-mail (no online tldextract check), phone
# (regex candidates checked with phonenumbers for 70 regions), cards (any brand, 12-19 digits) and SSNs (any
# number of the SSN's shape, valid or not). Presidio's are built
# directly, with their own regex flags: through a registry IBAN inherits IGNORECASE, swallows the next word
# and fails its checksum ("IBAN ES77… must" is missed).
PATTERNS: dict[str, Callable[[], PatternRecognizer]] = {
    "EMAIL_ADDRESS": EmailPatternRecognizer,
    "PHONE_NUMBER": PhonePatternRecognizer,
    "CREDIT_CARD": CardNumberRecognizer,
    "IBAN_CODE": IbanRecognizer,
    "US_SSN": NationalIdRecognizer,
    "IP_ADDRESS": IpRecognizer,
    "STREET_ADDRESS": lambda: StreetAddressRecognizer(packaged_gazetteer()),
    "CRYPTO": CryptoRecognizer,
    "US_ITIN": UsItinRecognizer,
    "US_PASSPORT": UsPassportRecognizer,
    "US_DRIVER_LICENSE": UsLicenseRecognizer,
    "US_BANK_NUMBER": UsBankRecognizer,
    "UK_NHS": NhsRecognizer,
    "MEDICAL_LICENSE": MedicalLicenseRecognizer,
    "MAC_ADDRESS": MacAddressRecognizer,
    "URL": UrlRecognizer,
    "DATE_TIME": DateRecognizer,
}


def pattern_recognizers(kinds: Iterable[str]) -> list[PatternRecognizer]:
    """One pattern recognizer per configured kind that has one; ``ValueError`` for kinds nothing finds."""
    wanted = set(kinds)
    unknown = wanted - PATTERNS.keys() - NER_KINDS
    if unknown:
        raise ValueError(f"unknown PII entity kinds: {sorted(unknown)}; known: {sorted(PATTERNS.keys() | NER_KINDS)}")
    return [PATTERNS[kind]() for kind in sorted(wanted & PATTERNS.keys())]


def name_recognizers(kinds: Iterable[str], names: NameGazetteer, allow: Iterable[str] = ()) -> list[EntityRecognizer]:
    """The spaCy NER recognizer for the configured NER kinds and, when PERSON is one, the gazetteer's.

    One-word PERSON results of the NER must be names the gazetteer knows; words in ``allow`` never start or
    continue a gazetteer name. Empty when no NER kind is configured.
    """
    found = sorted(set(kinds) & NER_KINDS)
    if not found:
        return []
    recognizers: list[EntityRecognizer] = [CheckedSpacyRecognizer(names, found)]
    if "PERSON" in found:
        recognizers.append(GazetteerNameRecognizer(NameFinder(names, allow)))
    return recognizers
