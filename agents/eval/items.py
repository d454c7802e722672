"""What the gate evaluates: domain questions (with the facts shown) and general-capability prompts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DomainItem:
    """A handbook question, the facts the model is shown, and the reference answer.

    Unanswerable items have an empty reference: the facts do not answer them and the model should say so.
    """

    question: str
    reference: str
    facts: tuple[str, ...]
    answerable: bool
    source: str
    key_facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class GeneralItem:
    """An everyday prompt and the answers accepted for it (any one of them, as whole words)."""

    prompt: str
    accepted: tuple[str, ...]
    kind: str = "general"
