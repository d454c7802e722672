"""Ingest files: discover, skip what is unchanged or unusable, chunk, embed, and replace atomically."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agents.config import IngestSettings
from agents.embeddings import SentenceTransformerEmbeddings
from agents.ingestion.chunking import ChunkDraft, Chunker
from agents.ingestion.loaders import LoadedDocument, SkipFile, discover, load_file
from agents.ingestion.writer import existing_hash, replace_document
from agents.tenancy import TenantTx

Progress = Callable[[Path, str], None]


@dataclass
class IngestReport:
    """What happened to each file, for the summary line and for tests."""

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


class Ingestor:
    """Turns files into chunks of one tenant's collection."""

    def __init__(self, tx: TenantTx, embedder: SentenceTransformerEmbeddings, settings: IngestSettings) -> None:
        self._tx = tx
        self._embedder = embedder
        self._settings = settings
        self._chunker: Chunker | None = None

    def _get_chunker(self) -> Chunker:
        if self._chunker is None:
            self._chunker = Chunker(self._embedder.tokenizer, self._settings.chunk_tokens, self._settings.chunk_overlap)
        return self._chunker

    def files(self, paths: Iterable[Path]) -> list[Path]:
        """The files ``ingest`` would look at; raises ``FileNotFoundError`` on a missing path."""
        return discover(paths)

    def ingest_file(self, path: Path, tenant: str, collection: str, report: IngestReport) -> str:
        """Ingest one file and record the outcome in ``report``; returns that outcome's name."""
        try:
            doc = load_file(path, int(self._settings.max_file_mb * 1_000_000))
        except SkipFile as skip:
            report.skipped.append((str(path), skip.reason))
            return "skipped"
        previous = existing_hash(self._tx, tenant, collection, doc.source)
        if previous == doc.content_hash:
            report.unchanged.append(doc.source)
            return "unchanged"
        drafts = self._get_chunker().chunk(doc.sections)
        vectors = self._embedder.embed_array([embedding_text(doc, d) for d in drafts])
        replace_document(self._tx, doc, tenant, collection, drafts, vectors)
        report.chunks_written += len(drafts)
        (report.added if previous is None else report.updated).append(doc.source)
        return "added" if previous is None else "updated"

    def ingest(
        self, paths: Iterable[Path], tenant: str, collection: str, progress: Progress | None = None
    ) -> IngestReport:
        """Ingest every file under ``paths``. One file's failure is reported, never half-written."""
        report = IngestReport()
        for path in self.files(paths):
            try:
                outcome = self.ingest_file(path, tenant, collection, report)
            except Exception as exc:  # noqa: BLE001 - reported per file; its transaction rolled back
                report.failed.append((str(path), f"{type(exc).__name__}: {str(exc).splitlines()[0]}"))
                outcome = "failed"
            if progress is not None:
                progress(path, outcome)
        return report
