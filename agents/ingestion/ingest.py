"""Ingest sources: read, skip what is unchanged or unusable, chunk, embed, and replace atomically."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from agents.config import IngestSettings
from agents.embeddings import SentenceTransformerEmbeddings
from agents.ingestion.chunking import ChunkDraft, Chunker, content_hash
from agents.ingestion.loaders import LoadedDocument, SkipFile, parse
from agents.ingestion.screen import ChunkScreen, Flagged, is_blank
from agents.ingestion.sources import RawSource, Rejected, iter_sources
from agents.ingestion.writer import existing_hash, released_hashes, replace_document
from agents.tenancy import TenantTx

Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class QuarantineNote:
    """What screening held back from one source: how many spans, and why (never the text)."""

    tenant: str
    collection: str
    source: str
    sentences: int
    categories: tuple[str, ...]
    reason: str

    def line(self) -> str:
        """One line for a report."""
        noun = "sentence" if self.sentences == 1 else "sentences"
        return f"quarantined {self.sentences} {noun} in {self.source}: {self.reason}"


@dataclass
class IngestReport:
    """What happened to each source, for the summary line and for tests."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks_written: int = 0
    quarantined: list[QuarantineNote] = field(default_factory=list)

    @property
    def sentences_quarantined(self) -> int:
        """Spans held back by ingest-time screening, over all sources."""
        return sum(note.sentences for note in self.quarantined)

    def summary(self) -> str:
        """One line of counts."""
        held = self.sentences_quarantined
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.skipped)} skipped, {len(self.failed)} failed; {self.chunks_written} chunks written"
            + (f"; {held} {'sentence' if held == 1 else 'sentences'} quarantined" if held else "")
        )


def embedding_text(doc: LoadedDocument, draft: ChunkDraft) -> str:
    """What is embedded: the title and heading path give a chunk its context."""
    return chunk_embedding_text(doc.title, draft.heading_path, draft.text)


def chunk_embedding_text(title: str, heading_path: str, text: str) -> str:
    """``embedding_text`` from stored fields (a released span re-embeds its chunk with this)."""
    heading = f" > {heading_path}" if heading_path else ""
    return f"{title}{heading}\n{text}"


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

    def __init__(
        self,
        tx: TenantTx,
        embedder: SentenceTransformerEmbeddings,
        settings: IngestSettings,
        screen: ChunkScreen | None = None,
    ) -> None:
        self._tx = tx
        self._embedder = embedder
        self.settings = settings
        self._screen = screen
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
        drafts, held = self._screened(drafts, (tenant, collection, doc.source))
        vectors = self._embedder.embed_array([embedding_text(doc, d) for d in drafts])
        replace_document(self._tx, doc, tenant, collection, drafts, vectors, held)
        report.chunks_written += len(drafts)
        if held:
            report.quarantined.append(_note(tenant, collection, doc.source, [f for _, f in held]))
        (report.added if previous is None else report.updated).append(doc.source)
        return "added" if previous is None else "updated"

    def _screened(
        self, drafts: list[ChunkDraft], where: tuple[str, str, str]
    ) -> tuple[list[ChunkDraft], list[tuple[ChunkDraft, Flagged]]]:
        """Drafts without their quarantined spans (a draft with nothing left is not written), and those spans.

        A span an admin released for this source before is kept, so a changed document does not
        quarantine it again. ``where`` is (tenant, collection, source).
        """
        if self._screen is None:
            return drafts, []
        kept: list[ChunkDraft] = []
        held: list[tuple[ChunkDraft, Flagged]] = []
        released: set[str] | None = None
        for draft in drafts:
            result = self._screen.screen(draft.text)
            if result.quarantined:
                released = released_hashes(self._tx, *where) if released is None else released
                result = result.keeping(draft.text, released)
            held.extend((draft, flagged) for flagged in result.quarantined)
            if not result.quarantined:
                kept.append(draft)
            elif not is_blank(result.kept):
                kept.append(self._trimmed(draft, result.kept))
        return kept, held

    def _trimmed(self, draft: ChunkDraft, text: str) -> ChunkDraft:
        count = self._get_chunker().count_tokens(text)
        return replace(draft, text=text, content_hash=content_hash(text), token_count=count)

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


def _note(tenant: str, collection: str, source: str, flagged: list[Flagged]) -> QuarantineNote:
    categories = tuple(sorted({f.category for f in flagged}))
    top = max(flagged, key=lambda f: f.score)
    reason = f"{', '.join(categories)} (highest score {top.score:.2f}, {top.layer})"
    return QuarantineNote(tenant, collection, source, len(flagged), categories, reason)
