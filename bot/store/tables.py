"""Conversation and answer records written by the pipeline's record step."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, LargeBinary, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


class Conversation(SQLModel, table=True):
    """A thread of exchanges on one platform channel (a CLI session, a Slack thread, a Discord thread)."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("platform", "tenant_id", "channel_id", "thread_id", name="uq_conversations_thread"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    platform: str
    tenant_id: str = Field(index=True)
    channel_id: str
    thread_id: str
    started_by: str
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
    pii_state: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    pii_vault: bytes | None = Field(default=None, sa_type=LargeBinary)


class AnswerRecord(SQLModel, table=True):
    """One question and the answer Steward gave: who, when, what it cited, which model, how long."""

    __tablename__ = "answers"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    conversation_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    request_id: str
    tenant_id: str = Field(index=True)
    user_id: str
    question: str
    answer: str
    abstained: bool
    mode: str = Field(description="generated, extractive or abstained")
    groundedness: float | None = None
    adapter: str | None = None
    route_reason: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    ttft_ms: float | None = None
    cost_usd: float | None = None
    citations: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    model: str
    latency_ms: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    retrieved: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    regenerated_from: uuid.UUID | None = None
    facts: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False, server_default="[]"))
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
