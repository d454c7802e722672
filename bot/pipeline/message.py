"""Platform-neutral messages: what adapters hand to the pipeline, and what they get back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from agents.answer import Citation

MAX_QUESTION_CHARS = 4000


class InvalidMessage(ValueError):
    """The message cannot be answered as given; the text says why, for the user."""


@dataclass(frozen=True)
class IncomingMessage:
    """One user message, whichever platform it came from. The tenant is the workspace or guild."""

    platform: str
    tenant: str
    channel: str
    user: str
    text: str
    thread: str | None = None
    collections: tuple[str, ...] = ()
    platform_admin: bool = False  # the platform says this user administers the workspace/guild
    platform_guest: bool = False  # the platform says this user is a guest
    regenerate_of: str | None = None  # the answer id this message asks to regenerate
    role: str | None = None  # the sender's role when the credential carries one (an API key)

    @property
    def actor(self) -> str:
        """``platform:user``, how policy and the audit log name the sender."""
        return f"{self.platform}:{self.user}"

    def validate(self) -> None:
        """Raise ``InvalidMessage`` for input that cannot be answered."""
        if not self.text or not self.text.strip():
            raise InvalidMessage("the question is empty: type a question")
        if len(self.text) > MAX_QUESTION_CHARS:
            raise InvalidMessage(
                f"the question is too long ({len(self.text)} characters; at most {MAX_QUESTION_CHARS})"
            )
        if not self.tenant or not self.user:
            raise InvalidMessage("the message has no tenant or user")


@dataclass(frozen=True)
class Reply:
    """The answer to render: text, numbered citations, and what produced it."""

    text: str
    citations: list[Citation]
    model: str
    abstained: bool
    answer_id: uuid.UUID | None = None
    request_id: str = ""
    latency_ms: dict[str, float] = field(default_factory=dict)
    status: str = "answered"  # answered, denied, rate_limited, blocked or declined
    retry_after_s: float | None = None  # rate_limited: when a token is free again, if known

    @classmethod
    def refusal(cls, text: str, status: str, request_id: str = "") -> Reply:
        """A reply that is not an answer: a clear message saying why."""
        return cls(text=text, citations=[], model="none", abstained=True, request_id=request_id, status=status)

    def as_json(self) -> dict[str, Any]:
        """The public JSON contract of ``steward ask --json``."""
        return {
            "answer": self.text,
            "citations": [c.as_json() for c in self.citations],
            "model": self.model,
            "latency_ms": {k: float(self.latency_ms.get(k, 0.0)) for k in ("retrieve", "generate", "total")},
        }
