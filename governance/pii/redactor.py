"""The redactor: pseudonymised redaction for the pipeline, fast scrubbing for logs, restoring for the vault."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from governance.pii.detector import Detector
from governance.pii.entity import PIIEntity
from governance.pii.pseudonyms import PLACEHOLDER, Pseudonyms
from governance.pii.redaction import Redaction
from governance.pii.spans import replace, select
from governance.pii.vault import Vault
from governance.text import strip_invisible


class Redactor:
    """Replaces PII with placeholders; built by ``make_redactor`` from ``PIISettings``.

    ``detector`` serves ``redact`` (with NER in ``presidio`` mode); ``scrubber`` serves ``scrub`` and must be
    fast (patterns only). Spans whose text is in ``allow`` (case-insensitive) are kept, and so are loopback
    addresses (``127.0.0.1``, ``::1``). ``vault`` is set only
    when the vault is enabled, and ``restore`` needs it.
    """

    def __init__(
        self, detector: Detector, scrubber: Detector, vault: Vault | None = None, allow: Iterable[str] = ()
    ) -> None:
        self._detector = detector
        self._scrubber = scrubber
        self._allow = frozenset(word.strip().casefold() for word in allow)
        self.vault = vault

    def redact(self, text: str, pseudonyms: Pseudonyms | None = None) -> Redaction:
        """``text`` (invisible characters removed) with each PII value replaced by its pseudonym.

        Pass the conversation's ``pseudonyms`` so a value keeps its placeholder across messages; entity spans
        refer to ``strip_invisible(text)``.
        """
        clean = strip_invisible(text)
        entities = self._select(clean, self._detector)
        if not entities:
            return Redaction(clean, ())
        names = pseudonyms if pseudonyms is not None else Pseudonyms()
        pairs = [(e, names.placeholder(e.kind, clean[e.start : e.end])) for e in entities]
        return Redaction(replace(clean, pairs), tuple(entities))

    def scrub(self, text: str) -> str:
        """Patterns-only redaction to ``<KIND>`` (no NER, no pseudonyms): defence in depth for logs."""
        clean = strip_invisible(text)
        entities = self._select(clean, self._scrubber)
        if not entities:
            return clean
        return replace(clean, ((e, f"<{e.kind}>") for e in entities))

    @property
    def can_restore(self) -> bool:
        """Whether the vault is enabled, so ``restore`` may put original values back."""
        return self.vault is not None

    def restore(self, text: str, pseudonyms: Pseudonyms) -> str:
        """Put the original values back for the placeholders in ``text`` that ``pseudonyms`` knows.

        Only for a reply to the user the values came from; ``RuntimeError`` when the vault is disabled.
        """
        if self.vault is None:
            raise RuntimeError("restoring PII needs the vault (STEWARD_PII_VAULT_ENABLED and a vault key)")
        return PLACEHOLDER.sub(lambda m: pseudonyms.value(m.group(0)) or m.group(0), text)

    def _select(self, text: str, detector: Detector) -> list[PIIEntity]:
        candidates = [e for e in detector.detect(text) if not _loopback(e, text)]
        if self._allow:
            candidates = [e for e in candidates if text[e.start : e.end].strip().casefold() not in self._allow]
        return select(text, candidates)


def _loopback(entity: PIIEntity, text: str) -> bool:
    """An IP address of the machine itself (127.0.0.0/8, ::1) or the unspecified one: no one's data."""
    if entity.kind != "IP_ADDRESS":
        return False
    try:
        address = ipaddress.ip_address(text[entity.start : entity.end].strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
