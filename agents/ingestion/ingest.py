"""Ingest sources: read, skip what is unchanged or unusable, chunk, embed, and replace atomically."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agents.config import IngestSettings
from agents.embeddings import SentenceTransformerEmbeddings
from agents.ingestion.chunking import ChunkDraft, Chunker
from agents.ingestion.loaders import LoadedDocument, SkipFile, parse
from agents.ingestion.sources import RawSource, Rejected, iter_sources
from agents.ingestion.writer import existing_hash, replace_document
from agents.tenancy import TenantTx

Progress = Callable[[str, str], None]


@dataclass
class IngestReport:
    """What happened to each source, for the summary line and for tests."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks_written: int = 0

    def summary(self) -> str:
        """One line of counts."""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.skipped)} skipped, {len(self.failed)} failed; {self.chunks_written} chunks written"
        )


def embedding_text(doc: LoadedDocument, draft: ChunkDraft) -> str:
    """What is embedded: the title and heading path give a chunk its context."""
    heading = f" > {draft.heading_path}" if draft.heading_path else ""
    return f"{doc.title}{heading}\n{draft.text}"


def unique_drafts(drafts: list[ChunkDraft]) -> list[ChunkDraft]:
    """Drop repeated passages within one document (normalised content), renumbering the rest."""
    seen: set[str] = set()
    kept = []
    for draft in drafts:
        if draft.content_hash not in seen:
            seen.add(draft.content_hash)
            kept.append(draft)
    return [
        ChunkDraft(i, d.heading_path, d.text, d.token_count, d.content_hash, d.page, d.anchor)
        for i, d in enumerate(kept)
    ]


class Ingestor:
    """Turns sources (files, folders, ZIPs, URLs) into chunks of one tenant's collection."""

    def __init__(self, tx: TenantTx, embedder: SentenceTransformerEmbeddings, settings: IngestSettings) -> None:
        self._tx = tx
        self._embedder = embedder
        self.settings = settings
        self._chunker: Chunker | None = None

    def _get_chunker(self) -> Chunker:
        if self._chunker is None:
            self._chunker = Chunker(self._embedder.tokenizer, self.settings.chunk_tokens, self.settings.chunk_overlap)
        return self._chunker

    def ingest_raw(self, raw: RawSource, tenant: str, collection: str, report: IngestReport) -> str:
        """Ingest one source's bytes and record the outcome in ``report``; returns that outcome's name."""
        try:
            doc = parse(raw)
        except SkipFile as skip:
            report.skipped.append((raw.origin, skip.reason))
            return "skipped"
        previous = existing_hash(self._tx, tenant, collection, doc.source)
        if previous == doc.content_hash:
            report.unchanged.append(doc.source)
            return "unchanged"
        drafts = unique_drafts(self._get_chunker().chunk(doc.sections))
        vectors = self._embedder.embed_array([embedding_text(doc, d) for d in drafts])
        replace_document(self._tx, doc, tenant, collection, drafts, vectors)
        report.chunks_written += len(drafts)
        (report.added if previous is None else report.updated).append(doc.source)
        return "added" if previous is None else "updated"

    def _one(self, item: RawSource | Rejected, tenant: str, collection: str, report: IngestReport) -> str:
        if isinstance(item, Rejected):
            report.skipped.append((item.origin, item.reason))
            return "skipped"
        try:
            return self.ingest_raw(item, tenant, collection, report)
        except Exception as exc:  # noqa: BLE001 - reported per source; its transaction rolled back
            report.failed.append((item.origin, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"))
            return "failed"

    def ingest(
        self, targets: Iterable[str | Path], tenant: str, collection: str, progress: Progress | None = None
    ) -> IngestReport:
        """Ingest paths and URLs. Raises ``FileNotFoundError`` for a missing path before writing anything."""
        report = IngestReport()
        for item in iter_sources(targets, self.settings):
            outcome = self._one(item, tenant, collection, report)
            if progress is not None:
                progress(item.origin, outcome)
        return report
