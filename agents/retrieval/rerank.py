"""The reranker interface. Steward ships no reranker weights; any local cross-encoder can be plugged in."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from agents.retrieval.store import ScoredChunk


class Reranker(Protocol):
    """Reorders retrieved passages for a question; may drop some. Must keep each hit's cosine score."""

    def rerank(self, question: str, hits: list[ScoredChunk]) -> list[ScoredChunk]:
        """Best first."""
        ...


class KeepOrder:
    """The default: keep the retrieval order."""

    def rerank(self, question: str, hits: list[ScoredChunk]) -> list[ScoredChunk]:
        """Return ``hits`` unchanged."""
        return hits


class CrossEncoderReranker:
    """A sentence-transformers ``CrossEncoder`` loaded from a local directory (``STEWARD_RETRIEVAL_RERANKER_PATH``)."""

    def __init__(self, model_dir: Path) -> None:
        self._model_dir = model_dir
        self._model: Any = None

    def rerank(self, question: str, hits: list[ScoredChunk]) -> list[ScoredChunk]:
        """Order by the cross-encoder's relevance score for (question, passage)."""
        if not hits:
            return hits
        if self._model is None:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(str(self._model_dir), device="cpu", local_files_only=True)
        scores = self._model.predict([(question, h.content) for h in hits])
        order = sorted(range(len(hits)), key=lambda i: float(scores[i]), reverse=True)
        return [hits[i] for i in order]


def make_reranker(mode: str, model_dir: Path | None) -> Reranker:
    """``none`` keeps the order; ``cross-encoder`` needs a local model directory."""
    if mode == "cross-encoder":
        if model_dir is None:
            raise ValueError("STEWARD_RETRIEVAL_RERANKER=cross-encoder needs STEWARD_RETRIEVAL_RERANKER_PATH")
        return CrossEncoderReranker(model_dir)
    return KeepOrder()
