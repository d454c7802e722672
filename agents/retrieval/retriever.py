"""Retrieval as a LangChain retriever: vector or hybrid candidates, reranked, then MMR over the reranked order."""

from __future__ import annotations

from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from agents.config import RetrievalSettings
from agents.embeddings import SentenceTransformerEmbeddings
from agents.retrieval.hybrid import HybridSearch
from agents.retrieval.mmr import mmr
from agents.retrieval.rerank import KeepOrder
from agents.retrieval.store import ChunkSearch, Scope, ScoredChunk

_RANK_K = 20


def reorder(
    ranked: list[ScoredChunk], hits: list[ScoredChunk], vectors: np.ndarray
) -> tuple[list[ScoredChunk], np.ndarray, np.ndarray]:
    """``ranked`` (a reranked ``hits``) with its embedding rows, and a relevance that falls with the new rank.

    The relevance has the reciprocal-rank shape of the fused score (1 for the first, about half by the 20th),
    so MMR trades diversity against the reranked order as it did against the fused one.
    """
    row = {h.chunk_id: i for i, h in enumerate(hits)}
    order = [row[h.chunk_id] for h in ranked]
    relevance = np.array([_RANK_K / (_RANK_K + i) for i in range(len(order))])
    return ranked, vectors[order] if order else vectors[:0], relevance


def to_document(hit: ScoredChunk) -> Document:
    """A LangChain document carrying everything a citation needs in its metadata."""
    return Document(
        page_content=hit.content,
        metadata={
            "chunk_id": str(hit.chunk_id),
            "document_id": str(hit.document_id),
            "source": hit.source,
            "link": hit.link,
            "page": hit.page,
            "title": hit.title,
            "heading_path": hit.heading_path,
            "chunk_index": hit.chunk_index,
            "score": hit.score,
        },
    )


class StewardRetriever(BaseRetriever):
    """Embeds the question, gathers candidates in one scope, reranks them, diversifies, keeps the top k."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    embedder: SentenceTransformerEmbeddings
    search: ChunkSearch
    hybrid: HybridSearch
    reranker: Any  # a Reranker (a Protocol, which pydantic cannot validate)
    settings: RetrievalSettings
    scope: Scope
    k: int = 4

    def hits(self, question: str) -> list[ScoredChunk]:
        """The top-k hits, best first."""
        vector = self.embedder.embed_array([question])[0]
        k = self.k
        if self.settings.mode == "vector":
            hits = self.search.search(vector, self.scope, max(k, self.settings.candidates))
            return self.reranker.rerank(question, hits)[:k]
        hits, vectors, relevance = self.hybrid.candidates(vector, question, self.scope)
        if not isinstance(self.reranker, KeepOrder):
            hits, vectors, relevance = reorder(self.reranker.rerank(question, hits), hits, vectors)
        if self.settings.mmr_lambda < 1.0:
            hits = [hits[i] for i in mmr(vector, vectors, k, self.settings.mmr_lambda, relevance)]
        return hits[:k]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        return [to_document(hit) for hit in self.hits(query)]
