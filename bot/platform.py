"""What a chat adapter is given: plain services, no database, model or policy code of its own.

Adapters (``bot/slack``, ``bot/discord``) translate platform payloads into calls on these and render
the plain results; the composition root builds one :class:`ChatServices` and hands it to each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.commands import Commands
from bot.pipeline.pipeline import Pipeline
from bot.store.feedback import FeedbackStore
from bot.store.ledger import EventLedger
from bot.store.threads import ThreadIndex


@dataclass(frozen=True)
class ChatServices:
    """The pipeline, the commands, feedback, and the event ledger (answer each event once)."""

    pipeline: Pipeline
    commands: Commands
    feedback: FeedbackStore
    ledger: EventLedger
    threads: ThreadIndex  # threads Steward answered in: follow-ups there need no mention
    downloads: Path  # where adapters put files users share for ingestion
    max_upload_mb: float  # files shared in chat larger than this are refused (STEWARD_INGEST_MAX_FILE_MB)
    default_collection: str = "default"  # where chat ingests go when the command names no collection
