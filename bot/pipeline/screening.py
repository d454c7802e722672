"""Screening retrieved chunks: a chunk carrying an injection (or other blocked content) never reaches a model.

The answering agent calls this for every retrieval, including a hosted agent's own ``search_docs``
calls. Flagged chunks are dropped, remembered (by id and content) so they stay quarantined without
re-checking, and audited once.
"""

from __future__ import annotations

import hashlib
import threading

from langchain_core.documents import Document

from bot.logs import get_logger
from governance.audit.events import ModerationFlagged
from governance.audit.log import AuditLog
from governance.moderation.chain import ModerationChain
from governance.moderation.verdict import Action

log = get_logger(__name__)
SYSTEM_ACTOR = "system:retrieval"


def _fingerprint(doc: Document) -> str:
    digest = hashlib.sha256(doc.page_content.encode()).hexdigest()[:16]
    return f"{doc.metadata.get('chunk_id', '')}:{digest}"


class ChunkScreen:
    """Drops retrieved chunks the moderation chain blocks for the ``chunk`` surface."""

    def __init__(self, moderator: ModerationChain, audit: AuditLog, cache_size: int = 50_000) -> None:
        self._moderator = moderator
        self._audit = audit
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
