"""Ingest-time screening with governance's moderation chain (``agents.ingestion.screen.ChunkScreen``).

The judge is the one question-time screening uses (the chain on the ``chunk`` surface, block or
escalate), so what ingest keeps is what a question would have kept. A flagged chunk is checked
sentence by sentence and only the flagged sentences are held back. When no single sentence is
flagged, or what is left is still flagged as a whole, the whole chunk is held back: nothing that
the chain would refuse at question time is written as searchable text.
"""

from __future__ import annotations

from agents.ingestion.ingest import IngestReport, QuarantineNote
from agents.ingestion.screen import Flagged, Screened, Span, is_blank, remove_spans, sentence_spans
from governance.audit.events import ContentQuarantined
from governance.moderation.protocol import Moderator
from governance.moderation.verdict import Action, Verdict

_HELD = (Action.BLOCK, Action.ESCALATE)


class ModerationChunkScreen:
    """Splits a chunk into kept text and the sentences the moderation chain flags on the chunk surface."""

    def __init__(self, moderator: Moderator) -> None:
        self._moderator = moderator

    def _flag(self, span: Span) -> Flagged | None:
        verdict = self._held(span.text)
        return None if verdict is None else _flagged(span, verdict)

    def _held(self, text: str) -> Verdict | None:
        verdict = self._moderator.check(text, "chunk")
        return verdict if verdict.action in _HELD else None

    def screen(self, text: str) -> Screened:
        """The chunk whole when the chain lets it through; else without its flagged sentences."""
        verdict = None if is_blank(text) else self._held(text)
        if verdict is None:
            return Screened(text)
        flagged = [f for f in map(self._flag, sentence_spans(text)) if f is not None]
        if flagged:
            kept = remove_spans(text, [f.span for f in flagged])
            if is_blank(kept) or self._held(kept) is None:
                return Screened(kept, tuple(flagged))
        return Screened("", (_flagged(Span(0, text), verdict),))


def _flagged(span: Span, verdict: Verdict) -> Flagged:
    return Flagged(span, str(verdict.category), round(float(verdict.score), 4), verdict.layer)


def quarantine_events(actor: str, report: IngestReport, trigger: str) -> list[ContentQuarantined]:
    """One audit event per tenant and collection an ingest (or re-index) held text back in: counts, no text."""
    groups: dict[tuple[str, str], list[QuarantineNote]] = {}
    for note in report.quarantined:
        groups.setdefault((note.tenant, note.collection), []).append(note)
    return [
        ContentQuarantined(
            tenant=tenant,
            actor=actor,
            collection=collection,
            trigger=trigger,
            sources=len(notes),
            sentences=sum(n.sentences for n in notes),
            categories=sorted({c for n in notes for c in n.categories}),
        )
        for (tenant, collection), notes in groups.items()
    ]
