"""The state one message accumulates as it passes through the pipeline's steps."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from agents.agent import Retrieval
from agents.answer import Answer
from agents.retrieval.store import Scope
from bot.pipeline.message import IncomingMessage
from governance.pii.pseudonyms import Pseudonyms


@dataclass
class Turn:
    """Mutable context handed from step to step (like a middleware request object)."""

    message: IncomingMessage
    request_id: str
    text: str = ""  # what every step after redaction works on: the message with PII replaced
    pii: list[str] = field(default_factory=list)  # kinds of PII found in the message
    pii_entities: list[str] = field(default_factory=list)  # the kind of every PII entity replaced (metrics)
    flags: list[tuple[str, str]] = field(default_factory=list)  # (surface, category) of each moderation flag
    pseudonyms: Pseudonyms | None = None  # the conversation's placeholders (saved with the exchange)
    quarantined: list[str] = field(default_factory=list)  # ids of retrieved chunks withheld from the model
    scope: Scope | None = None
    retrieval: Retrieval | None = None
    answer: Answer | None = None
    answer_id: uuid.UUID | None = None
    restricted: bool = False
    history: list[tuple[str, str]] = field(default_factory=list)
    on_token: Callable[[str], Awaitable[None]] | None = None
    restricted_reasons: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def elapsed_ms(self) -> float:
        """Milliseconds since the pipeline took the message."""
        return round((time.perf_counter() - self.started) * 1000, 1)
