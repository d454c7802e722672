"""One typed event per governed action (as datasette's events): what happened, to whom, where.

Every event names its tenant, actor (a platform user id such as ``slack:U123`` or an operator such as
``cli``; the audit log stores a keyed pseudonym instead) and channel. Text fields must already be
redacted by the caller; the log scrubs them once more before writing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class AuditEvent:
    """The fields every event has."""

    kind: ClassVar[str] = ""
    tenant: str
    actor: str
    channel: str = ""

    def payload(self) -> dict[str, Any]:
        """The event-specific fields, as JSON-ready values."""
        common = {"tenant", "actor", "channel"}
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in common}


@dataclass(frozen=True, kw_only=True)
class MessageReceived(AuditEvent):
    """A user message reached the pipeline (``rejected`` says why it was not answered, if it was not)."""

    kind: ClassVar[str] = "message_received"
    platform: str
    text: str
    chars: int
    pii: list[str] = field(default_factory=list)
    rejected: str = ""


@dataclass(frozen=True, kw_only=True)
class AnswerSent(AuditEvent):
    """Steward answered: with what, citing what, produced by which model and why it was routed there."""

    kind: ClassVar[str] = "answer_sent"
    answer_id: str
    text: str
    mode: str
    model: str
    adapter: str | None
    route_reason: str
    citations: list[str]


@dataclass(frozen=True, kw_only=True)
class Ingested(AuditEvent):
    """Documents were ingested into a collection."""

    kind: ClassVar[str] = "ingest"
    collection: str
    source: str
    added: int
    updated: int
    unchanged: int
    skipped: int


@dataclass(frozen=True, kw_only=True)
class Reindexed(AuditEvent):
    """Sources were re-checked and re-indexed."""

    kind: ClassVar[str] = "reindex"
    collection: str
    checked: int
    updated: int
    removed: int


@dataclass(frozen=True, kw_only=True)
class FeedbackGiven(AuditEvent):
    """A user rated an answer."""

    kind: ClassVar[str] = "feedback"
    answer_id: str
    rating: int


@dataclass(frozen=True, kw_only=True)
class AuditExported(AuditEvent):
    """Audit events were exported (the export is itself audited)."""

    kind: ClassVar[str] = "export"
    format: str
    since: str
    until: str
    count: int
    sha256: str


@dataclass(frozen=True, kw_only=True)
class PolicyDenied(AuditEvent):
    """An action was refused by role-based policy."""

    kind: ClassVar[str] = "policy_denied"
    action: str
    role: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ModerationFlagged(AuditEvent):
    """A moderation layer flagged input, a retrieved chunk or model output."""

    kind: ClassVar[str] = "moderation_flag"
    surface: str
    category: str
    action: str
    layer: str
    score: float
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class RateLimited(AuditEvent):
    """A request was refused by a rate limit."""

    kind: ClassVar[str] = "rate_limited"
    bucket: str
    retry_in_s: float


@dataclass(frozen=True, kw_only=True)
class AdapterPromoted(AuditEvent):
    """A LoRA adapter became the active one."""

    kind: ClassVar[str] = "adapter_promoted"
    adapter: str
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ConfigChanged(AuditEvent):
    """A runtime setting or mapping changed (secrets are never recorded)."""

    kind: ClassVar[str] = "config_change"
    key: str
    value: str


@dataclass(frozen=True, kw_only=True)
class UserForgotten(AuditEvent):
    """A user's messages and feedback were erased; ``subject`` is their (now unlinkable) pseudonym."""

    kind: ClassVar[str] = "forget_user"
    subject: str
    removed: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ApiKeyChanged(AuditEvent):
    """An API key was created or revoked (only its id and short prefix are recorded, never the key)."""

    kind: ClassVar[str] = "api_key"
    action: str  # create | revoke
    key_id: str
    prefix: str
    role: str
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class AdapterPromotionRefused(AuditEvent):
    """The evaluation gate refused to promote an adapter over the one that serves (nothing was activated)."""

    kind: ClassVar[str] = "adapter_refused"
    adapter: str
    against: str
    reasons: list[str] = field(default_factory=list)
    deltas: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class AdapterForceActivated(AuditEvent):
    """An adapter (or the base model) was made active WITHOUT the evaluation gate, and why."""

    kind: ClassVar[str] = "adapter_forced"
    adapter: str
    previous: str
    reason: str
    gate: str = ""  # what the last stored gate report said about it, if any ("refuse", "promote"), else ""


@dataclass(frozen=True, kw_only=True)
class CorrectionRecorded(AuditEvent):
    """An admin's correction of an answer was stored for tuning (its text is in the ``corrections`` table)."""

    kind: ClassVar[str] = "correction"
    correction_id: str
    conversation_id: str
    chars: int


@dataclass(frozen=True, kw_only=True)
class ContentQuarantined(AuditEvent):
    """Ingest-time screening held back spans of documents (counts only, never the text)."""

    kind: ClassVar[str] = "quarantine"
    collection: str
    trigger: str  # ingest | reindex
    sources: int
    sentences: int
    categories: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class QuarantineReleased(AuditEvent):
    """An admin released a quarantined span: it is searchable again in its chunk (re-embedded)."""

    kind: ClassVar[str] = "quarantine_release"
    quarantine_id: str
    collection: str
    source: str
    chunk_index: int
    category: str


EVENT_TYPES: tuple[type[AuditEvent], ...] = (
    MessageReceived,
    AnswerSent,
    Ingested,
    Reindexed,
    FeedbackGiven,
    AuditExported,
    PolicyDenied,
    ModerationFlagged,
    RateLimited,
    AdapterPromoted,
    ConfigChanged,
    UserForgotten,
    ApiKeyChanged,
    AdapterPromotionRefused,
    AdapterForceActivated,
    CorrectionRecorded,
    ContentQuarantined,
    QuarantineReleased,
)
