"""Moderation settings: a plain pydantic model; only the settings root reads the environment."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import BaseModel, Field, SecretStr, field_validator

from governance.moderation.verdict import Action, Surface


def _input_output() -> list[Surface]:
    return ["input", "output"]


def _input_only() -> list[Surface]:
    return ["input"]


def _input_chunk() -> list[Surface]:
    return ["input", "chunk"]


class ModerationSettings(BaseModel):
    """What is moderated, where, and what happens to flagged text."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_MODERATION_"

    enabled: bool = Field(True, description="Run moderation at all. Off: every text is allowed unchecked.")
    input_action: Action = Field(
        Action.BLOCK, description="What happens to a user message a layer flags (allow/redact/escalate/block)."
    )
    chunk_action: Action = Field(
        Action.BLOCK,
        description="What happens to a retrieved chunk a layer flags; `block` quarantines it (never shown to "
        "the model).",
    )
    output_action: Action = Field(Action.BLOCK, description="What happens to a model answer a layer flags.")
    blocklist: list[str] = Field(
        default_factory=list, description="Words or phrases matched as whole words, case-insensitively, anywhere."
    )
    block_patterns: list[str] = Field(
        default_factory=list, description="Regular expressions (case-insensitive) treated like blocklist terms."
    )
    term_action: Action = Field(
        Action.REDACT,
        description="What a blocklist term or block pattern triggers on any surface; `redact` replaces each match.",
    )
    banned_topics: list[str] = Field(
        default_factory=list,
        description="Topics never discussed: a phrase, or keywords joined by `+` that must all appear "
        "(`salary + colleague`). A keyword ending in `*` matches any word it starts.",
    )
    topic_surfaces: list[Surface] = Field(
        default_factory=_input_output, description="Surfaces checked for banned topics."
    )
    injection_surfaces: list[Surface] = Field(
        default_factory=_input_chunk, description="Surfaces checked for prompt injection."
    )
    injection_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Injection score that flags a message. Empty: the bundled model's strict threshold "
        "(precision >= 0.99 on the validation split); its F1-best threshold is lower (docs in the model metadata).",
    )
    chunk_injection_threshold: float | None = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="Injection score that quarantines a retrieved chunk (higher than for chat: a false positive "
        "silently hides knowledge; measured on the handbook: 1/358 clean paragraphs quarantined, 144/358 with a "
        "spliced-in injection caught). Empty: the same as injection_threshold.",
    )
    decode_surfaces: list[Surface] = Field(
        default_factory=_input_chunk,
        description="Surfaces where hidden text is decoded (base64/32/16, Ascii85, uuencode, Base2048, Ecoji, "
        "quoted-printable, ROT13, Atbash, Morse, Braille, NATO alphabet, Unicode tag characters, variation "
        "selectors, zero-width bits, Zalgo, leetspeak, look-alike letters) and what it says is checked for "
        "toxicity, injection and script markup.",
    )
    hidden_text_surfaces: list[Surface] = Field(
        default_factory=_input_only,
        description="Surfaces where text hidden in an encoding is flagged whatever it says (users ask in plain "
        "words; encodings are how attacks get past classifiers). Commit hashes and ids decode to noise and are "
        "never flagged.",
    )
    toxicity_surfaces: list[Surface] = Field(
        default_factory=_input_output, description="Surfaces checked for toxicity."
    )
    toxicity_threshold: float = Field(0.8, ge=0.0, le=1.0, description="Toxicity probability that flags text.")
    hosted_url: str | None = Field(
        None, description="Full URL of an OpenAI-compatible moderations endpoint (`.../v1/moderations`). Empty: off."
    )
    hosted_api_key: SecretStr | None = Field(None, description="Bearer token for the hosted endpoint.")
    hosted_model: str = Field("omni-moderation-latest", description="`model` sent to the hosted endpoint.")
    hosted_timeout_s: float = Field(3.0, gt=0.0, le=60.0, description="Seconds before a hosted call counts as failed.")
    hosted_on_error: Action = Field(
        Action.ALLOW,
        description="Verdict when the hosted endpoint fails or times out: `allow` fails open (logged; offline "
        "layers still ran), `block` or `escalate` fail closed.",
    )
    hosted_surfaces: list[Surface] = Field(
        default_factory=_input_output, description="Surfaces sent to the hosted endpoint."
    )

    @field_validator("block_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"block pattern {pattern!r} is not a valid regular expression: {exc}") from exc
        return patterns
