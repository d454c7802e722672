"""Rerankers: the default feature reranker (no model), keep-order, or a local cross-encoder.

``FeatureReranker`` reorders the fused candidates (vector + full text) by the chunk's cosine similarity
plus lexical evidence that the embedding blurs: the share of the question's words that its title and
heading path carry, the share of the question's adjacent word pairs ("notice period", "smart host")
that occur in it, and the share of the question's codes and names (``E4711``, ``sources.list``) that it
holds word for word, which embeddings cannot tell apart. Full text still widens the candidate pool, but
its rank no longer decides the order: on both dev sets the fused rank put a page that merely shares a
common word ("call" in "on-call") first. It needs no weights file and no work at ingest; the three
weights were tuned on the handbook and the Debian Reference dev questions (docs/benchmarks.md,
"Retrieval: reranking").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agents.retrieval.features import bigram_hits, coverage, identifiers, terms
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


@dataclass(frozen=True)
class FeatureWeights:
    """How much each feature adds to a candidate's score (its cosine similarity counts once)."""

    heading: float = 0.1
    phrase: float = 0.2
    identifier: float = 0.2


class FeatureReranker:
    """Reorders candidates by cosine similarity plus weighted lexical features (see the module docstring)."""

    def __init__(self, weights: FeatureWeights | None = None) -> None:
        self.weights = weights or FeatureWeights()

    def scores(self, question: str, hits: list[ScoredChunk]) -> list[float]:
        """One score per hit, in the order given."""
        wanted, codes, w = terms(question), identifiers(question), self.weights
        scores = []
        for hit in hits:
            heading = terms(f"{hit.title} {hit.heading_path}")
            lexical = w.heading * coverage(wanted, heading)
            lexical += w.phrase * bigram_hits(wanted, heading + terms(hit.content))
            if codes:
                found = codes & identifiers(f"{hit.title} {hit.heading_path} {hit.content}")
                lexical += w.identifier * len(found) / len(codes)
            scores.append(hit.score + lexical)
        return scores

    def rerank(self, question: str, hits: list[ScoredChunk]) -> list[ScoredChunk]:
        """Best first; ties keep the retrieval order."""
        scores = self.scores(question, hits)
        return [hits[i] for i in sorted(range(len(hits)), key=lambda i: -scores[i])]


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
    """``features`` (the default) needs nothing; ``none`` keeps the order; ``cross-encoder`` needs a local model."""
    if mode == "features":
        return FeatureReranker()
    if mode == "cross-encoder":
        if model_dir is None:
            raise ValueError("STEWARD_RETRIEVAL_RERANKER=cross-encoder needs STEWARD_RETRIEVAL_RERANKER_PATH")
        return CrossEncoderReranker(model_dir)
    return KeepOrder()
