"""A fresh, throw-away Steward: temp data dir, embedded PostgreSQL, the sample handbook ingested."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from agents.config import LLMSettings
from bench.dataset import COLLECTION, HANDBOOK, MODEL_CACHE, TENANT
from bot.container import Steward
from bot.settings import CoreSettings, DatabaseSettings, Settings


@dataclass(frozen=True)
class IngestResult:
    """How ingesting the handbook went."""

    files: int
    chunks: int
    seconds: float
    failed: list[tuple[str, str]]


def bench_settings(data_dir: Path) -> Settings:
    """Settings for the run; the database section is pinned so a ``DATABASE_URL`` never redirects it."""
    return Settings(
        core=CoreSettings(data_dir=data_dir, default_tenant=TENANT, default_collection=COLLECTION),
        llm=LLMSettings(dense_dir=MODEL_CACHE),
        database=DatabaseSettings(),
    )


def ingest_handbook(steward: Steward) -> IngestResult:
    """Ingest ``bot/samples/handbook`` into the bench tenant and time it (embedding model load included)."""
    start = time.perf_counter()
    report = steward.ingestor.ingest([HANDBOOK], TENANT, COLLECTION)
    seconds = time.perf_counter() - start
    files = len(report.added) + len(report.updated) + len(report.unchanged)
    return IngestResult(files=files, chunks=report.chunks_written, seconds=seconds, failed=report.failed)


def warm_up_model(steward: Steward) -> float:
    """Load the chat model (outside every timing) and return the seconds it took."""
    start = time.perf_counter()
    steward.chat_model()
    return time.perf_counter() - start


def model_description(steward: Steward) -> str:
    """The chat model and how it decodes, from the settings in force."""
    llm = steward.settings.llm
    decoding = "greedy" if llm.temperature == 0 else f"temperature {llm.temperature}, top-p {llm.top_p}"
    return f"{steward.agent.model_label} on the CPU, {decoding}, at most {llm.max_tokens} new tokens"
