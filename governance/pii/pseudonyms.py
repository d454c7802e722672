"""Per-conversation pseudonyms: the same value always gets the same placeholder, such as ``<PERSON_1>``."""

from __future__ import annotations

import re
from collections.abc import Mapping

# A placeholder this package writes: ``<PERSON_1>`` (redact) or ``<PERSON>`` (scrub).
PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*?)(?:_(\d+))?>")
# Kinds whose values are compared on letters and digits only ("4111 1111…" is "4111-1111…").
_COMPACT_KINDS = frozenset({"CREDIT_CARD", "PHONE_NUMBER", "US_SSN", "IBAN_CODE", "US_ITIN", "US_BANK_NUMBER"})
_NON_ALNUM = re.compile(r"[\W_]+")
_BLANKS = re.compile(r"\s+")


class Pseudonyms:
    """Value ↔ placeholder mapping for one conversation; persist it with ``to_dict``/``from_dict``.

    The mapping holds the original values: store it only sealed by ``Vault`` (or keep it in memory).
    """

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._by_key: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._values)

    def placeholder(self, kind: str, value: str) -> str:
        """The placeholder for ``value``: the one it already has, else the next number for ``kind``."""
        key = _key(kind, value)
        known = self._by_key.get(key)
        if known is not None:
            return known
        number = self._counts.get(kind, 0) + 1
        placeholder = f"<{kind}_{number}>"
        self._remember(placeholder, kind, number, value)
        return placeholder

    def value(self, placeholder: str) -> str | None:
        """The original value behind ``placeholder``, or None if this conversation never produced it."""
        return self._values.get(placeholder)

    def to_dict(self) -> dict[str, str]:
        """Placeholder → original value, JSON-serialisable (contains PII)."""
        return dict(self._values)

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Pseudonyms:
        """Rebuild the mapping ``to_dict`` produced; ``ValueError`` on anything else."""
        pseudonyms = cls()
        for placeholder, value in data.items():
            match = PLACEHOLDER.fullmatch(placeholder)
            if match is None or match.group(2) is None or not isinstance(value, str):
                raise ValueError(f"not a pseudonym entry: {placeholder!r}")
            pseudonyms._remember(placeholder, match.group(1), int(match.group(2)), value)
        return pseudonyms

    def _remember(self, placeholder: str, kind: str, number: int, value: str) -> None:
        self._values[placeholder] = value
        self._by_key.setdefault(_key(kind, value), placeholder)
        self._counts[kind] = max(self._counts.get(kind, 0), number)


def _key(kind: str, value: str) -> str:
    if kind in _COMPACT_KINDS:
        canonical = _NON_ALNUM.sub("", value).upper()
    else:
        canonical = _BLANKS.sub(" ", value.strip()).casefold()
    return f"{kind}\x00{canonical}"
