"""A real ingest of the handbook, phase by phase, and embedding throughput with 1 and 2 torch threads.

The phases call what ``Ingestor.ingest_raw`` calls, in its order: ``iter_sources`` + ``parse`` (read and
parse), ``existing_hash`` and ``replace_document`` (database), ``Chunker`` + ``unique_drafts`` (chunk) and
``embed_array`` (embed). The embedding model is loaded before the clock starts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agents.embeddings import SentenceTransformerEmbeddings
from agents.ingestion.chunking import Chunker
from agents.ingestion.ingest import embedding_text, unique_drafts
from agents.ingestion.loaders import SkipFile, parse
from agents.ingestion.sources import Rejected, iter_sources
from agents.ingestion.writer import existing_hash, replace_document
from bench.dataset import HANDBOOK
from bot.container import Steward

TENANT, COLLECTION = "handbook", "handbook"
READ, CHUNK, EMBED, DATABASE = "read + parse", "chunk", "embed", "database"
THREADS = (1, 2)
PASSES = 2  # embedding passes per thread count, alternating


@dataclass
class IngestPhases:
    """Seconds per phase of one real ingest, its wall time, and embedding seconds per torch thread count."""

    files: int = 0
    chunks: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys((READ, CHUNK, EMBED, DATABASE), 0.0))
    wall_s: float = 0.0
    embed_by_threads: dict[int, float] = field(default_factory=dict)


class _Clock:
    def __init__(self, phases: IngestPhases) -> None:
        self._phases = phases
        self._mark = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self._phases.seconds[phase] += now - self._mark
        self._mark = now


def ingest_phases(steward: Steward) -> tuple[IngestPhases, list[list[str]]]:
    """Ingest the handbook into a fresh tenant, timing each phase; also returns the texts embedded per file."""
    tx, settings, embedder = steward.database.tenant_connection, steward.settings.ingest, steward.embedder
    embedder.embed_array(["load the model before the clock starts"])
    chunker = Chunker(embedder.tokenizer, settings.chunk_tokens, settings.chunk_overlap)
    phases, batches = IngestPhases(), []
    start = time.perf_counter()
    clock = _Clock(phases)
    for item in iter_sources([HANDBOOK], settings):
        if isinstance(item, Rejected):
            continue
        try:
            doc = parse(item)
        except SkipFile:
            continue
        clock.lap(READ)
        previous = existing_hash(tx, TENANT, COLLECTION, doc.source)
        clock.lap(DATABASE)
        drafts = unique_drafts(chunker.chunk(doc.sections))
        texts = [embedding_text(doc, d) for d in drafts]
        clock.lap(CHUNK)
        vectors = embedder.embed_array(texts)
        clock.lap(EMBED)
        if previous != doc.content_hash:
            replace_document(tx, doc, TENANT, COLLECTION, drafts, vectors)
        clock.lap(DATABASE)
        phases.files, phases.chunks = phases.files + 1, phases.chunks + len(drafts)
        batches.append(texts)
    phases.wall_s = time.perf_counter() - start
    return phases, batches


def embed_threads(steward: Steward, batches: list[list[str]]) -> dict[int, float]:
    """Seconds to embed the same per-file batches with each thread count (passes alternate; summed)."""
    embedders = {
        n: SentenceTransformerEmbeddings(steward.settings.embedding.model_copy(update={"threads": n})) for n in THREADS
    }
    for embedder in embedders.values():
        embedder.embed_array(["load the model before the clock starts"])
    seconds = dict.fromkeys(THREADS, 0.0)
    for p in range(PASSES):
        for n in THREADS if p % 2 == 0 else THREADS[::-1]:
            embedder = embedders[n]
            start = time.perf_counter()
            for texts in batches:
                embedder.embed_array(texts)
            seconds[n] += time.perf_counter() - start
    return seconds
