"""The search as a LangChain retriever, so it composes with prompts and models in a runnable chain."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from agents.embeddings import SentenceTransformerEmbeddings
from agents.retrieval.store import ChunkSearch, Scope, ScoredChunk


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


class PgVectorRetriever(BaseRetriever):
    """Embeds the query and searches one scope; documents come back best first with their scores."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    embedder: SentenceTransformerEmbeddings
    search: ChunkSearch
    scope: Scope
    k: int = 4

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        vector = self.embedder.embed_array([query])[0]
        return [to_document(hit) for hit in self.search.search(vector, self.scope, self.k)]
