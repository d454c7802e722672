"""Screening retrieved chunks: a chunk carrying an injection (or other blocked content) never reaches a model.

The answering agent calls this for every retrieval, including a hosted agent's own ``search_docs``
calls. Flagged chunks are dropped, remembered (by id and content) so they stay quarantined without
re-checking, and audited once. Ingest-time screening (``bot.ingest_screen``) already held back flagged
sentences; text an admin released from that quarantine is taken out before this check, so a release is
not undone here, while anything else in the chunk is still judged.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from langchain_core.documents import Document

from bot.logs import get_logger
from governance.audit.events import ModerationFlagged
from governance.audit.log import AuditLog
from governance.moderation.chain import ModerationChain
from governance.moderation.verdict import Action, Verdict

log = get_logger(__name__)
SYSTEM_ACTOR = "system:retrieval"
Released = Callable[[str, str], list[str]]  # (tenant, chunk id) -> sentences an admin released into that chunk


def _fingerprint(doc: Document) -> str:
    digest = hashlib.sha256(doc.page_content.encode()).hexdigest()[:16]
    return f"{doc.metadata.get('chunk_id', '')}:{digest}"


class ChunkScreen:
    """Drops retrieved chunks the moderation chain blocks for the ``chunk`` surface."""

    def __init__(
        self, moderator: ModerationChain, audit: AuditLog, cache_size: int = 50_000, released: Released | None = None
    ) -> None:
        self._moderator = moderator
        self._audit = audit
        self._released = released
        self._seen: dict[str, bool] = {}  # fingerprint -> quarantined
        self._lock = threading.Lock()
        self._cache_size = cache_size

    def __call__(self, tenant: str, documents: list[Document]) -> list[Document]:
        """The documents that may be shown to a model, in order."""
        return [doc for doc in documents if not self._quarantined(tenant, doc)]

    def _quarantined(self, tenant: str, doc: Document) -> bool:
        key = _fingerprint(doc)
        with self._lock:
            known = self._seen.get(key)
        if known is not None:
            return known
        verdict = self._moderator.check(doc.page_content, "chunk")
        bad = verdict.action in (Action.BLOCK, Action.ESCALATE)
        if bad and self._released is not None:
            verdict = self._without_released(tenant, doc, verdict)
            bad = verdict.action in (Action.BLOCK, Action.ESCALATE)
        if bad:
            event = ModerationFlagged(
                tenant=tenant,
                actor=SYSTEM_ACTOR,
                surface="chunk",
                category=str(verdict.category),
                action="quarantine",
                layer=verdict.layer,
                score=round(float(verdict.score), 3),
                detail=f"{doc.metadata.get('source', '')}#{doc.metadata.get('chunk_id', '')}",
            )
            self._audit.record(event)
            log.warning("moderation.chunk_quarantined", chunk_id=str(doc.metadata.get("chunk_id", "")))
        with self._lock:
            if len(self._seen) >= self._cache_size:
                self._seen.clear()
            self._seen[key] = bad
        return bad

    def _without_released(self, tenant: str, doc: Document, verdict: Verdict) -> Verdict:
        """The verdict on the chunk without the sentences an admin released into it (if any)."""
        assert self._released is not None  # noqa: S101 - checked by the caller
        sentences = self._released(tenant, str(doc.metadata.get("chunk_id", "")))
        if not sentences:
            return verdict
        rest = doc.page_content
        for sentence in sentences:
            rest = rest.replace(sentence, " ")
        return self._moderator.check(rest, "chunk") if rest.strip() else Verdict.allow()
