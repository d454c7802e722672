"""The result of redacting one text."""

from __future__ import annotations

from dataclasses import dataclass

from governance.pii.entity import PIIEntity


@dataclass(frozen=True)
class Redaction:
    """Redacted text and what was found (spans refer to the input after ``strip_invisible``)."""

    text: str
    entities: tuple[PIIEntity, ...]

    @property
    def found(self) -> bool:
        """Whether any PII was replaced."""
        return bool(self.entities)

    @property
    def kinds(self) -> set[str]:
        """The entity kinds that were replaced."""
        return {entity.kind for entity in self.entities}
