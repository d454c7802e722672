"""The answering agent: retrieve top-k, prompt with numbered context, generate, map [n] to citations.

It is a LangChain runnable (``retriever | prompt | model | parser``) split in two halves so the
governed pipeline can run its own steps between retrieval and generation.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.documents import Document
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable, RunnableLambda

from agents.answer import Answer, Citation
from agents.config import AgentSettings, PricingSettings, RetrievalSettings
from agents.embeddings import SentenceTransformerEmbeddings
from agents.grounding import extract, groundedness, supporting
from agents.prompts import ANSWER_PROMPT, format_facts
from agents.retrieval.hybrid import HybridSearch
from agents.retrieval.rerank import Reranker
from agents.retrieval.retriever import StewardRetriever
from agents.retrieval.store import ChunkSearch, Scope

_MARKER = re.compile(r"\[(\d+)\]")
MAX_FALLBACK_CITATIONS = 2


@dataclass(frozen=True)
class Retrieval:
    """Retrieved chunks (best first) and how long retrieval took."""

    question: str
    documents: list[Document]
    latency_ms: float

    @property
    def best_score(self) -> float:
        """Similarity of the best chunk, or -1 when nothing was found."""
        return max((float(d.metadata["score"]) for d in self.documents), default=-1.0)


def _citation(n: int, doc: Document) -> Citation:
    meta = doc.metadata
    return Citation(
        n=n,
        source=meta.get("link", meta["source"]),
        title=meta["title"],
        chunk_id=meta["chunk_id"],
        score=float(meta["score"]),
        heading_path=meta.get("heading_path", ""),
    )


def cite(
    text: str, documents: list[Document], min_score: float, facts: list[tuple[int, str]] | None = None
) -> list[Citation]:
    """Citations for the ``[n]`` markers in ``text``.

    When the model cited nothing valid: the passages of the facts that support the answer, or failing
    that the best passages above the threshold.
    """
    numbers = sorted({int(m) for m in _MARKER.findall(text) if 1 <= int(m) <= len(documents)})
    if not numbers and facts:
        numbers = sorted({facts[i][0] for i in supporting(text, [sentence for _, sentence in facts])})
    if numbers:
        return [_citation(n, documents[n - 1]) for n in numbers]
    fallback, seen = [], set()
    for n, doc in enumerate(documents, start=1):
        if float(doc.metadata["score"]) >= min_score and doc.metadata["source"] not in seen:
            seen.add(doc.metadata["source"])
            fallback.append(_citation(n, doc))
    return fallback[:MAX_FALLBACK_CITATIONS]


def abstention(retrieval: Retrieval) -> str:
    """What Steward says instead of guessing: it does not know, and where it looked."""
    titles = list(dict.fromkeys(d.metadata["title"] for d in retrieval.documents))[:3]
    if not titles:
        return "I don't know: there are no documents in this scope yet."
    nearest = "; ".join(titles)
    return f"I don't know: the documents I can see don't answer that. The nearest sources were: {nearest}."


def quote(facts: list[tuple[int, str]]) -> str:
    """The extractive answer: the most relevant sentences, verbatim, each with its citation."""
    return "From the documents: " + " ".join(f"{sentence} [{n}]" for n, sentence in facts)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


class AnswerAgent:
    """Retrieve → numbered-context prompt → generate → ``Answer`` with citations, or abstain."""

    def __init__(
        self,
        embedder: SentenceTransformerEmbeddings,
        search: ChunkSearch,
        hybrid: HybridSearch,
        reranker: Reranker,
        chat_model_factory: Callable[[], BaseChatModel],
        settings: RetrievalSettings,
        agent_settings: AgentSettings,
        model_label: str,
        pricing: PricingSettings | None = None,
    ) -> None:
        self._embedder = embedder
        self._search = search
        self._hybrid = hybrid
        self._reranker = reranker
        self._chat_model_factory = chat_model_factory
        self._settings = settings
        self._agent_settings = agent_settings
        self._pricing = pricing or PricingSettings()
        self.model_label = model_label

    def retriever(self, scope: Scope, k: int | None = None) -> StewardRetriever:
        """A LangChain retriever over ``scope`` returning ``k`` passages (default ``top_k``)."""
        return StewardRetriever(
            k=k or self._settings.top_k,
            embedder=self._embedder,
            search=self._search,
            hybrid=self._hybrid,
            reranker=self._reranker,
            settings=self._settings,
            scope=scope,
        )

    def retrieve(self, question: str, scope: Scope, k: int | None = None) -> Retrieval:
        """Top-k chunks for ``question`` within ``scope``."""
        start = time.perf_counter()
        documents = self.retriever(scope, k).invoke(question)
        return Retrieval(question=question, documents=documents, latency_ms=_ms(start))

    def should_abstain(self, retrieval: Retrieval) -> bool:
        """True when even the best chunk is below the similarity threshold."""
        return retrieval.best_score < self._settings.min_score

    def facts(self, retrieval: Retrieval) -> list[tuple[int, str]]:
        """The retrieved sentences most relevant to the question, numbered by their passage."""
        question = self._embedder.embed_array([retrieval.question])[0]
        return extract(question, retrieval.documents, self._embedder.embed_array, self._agent_settings.facts)

    def generate(self, retrieval: Retrieval) -> Answer:
        """Answer from the retrieved context; quote it when the answer is not grounded; abstain when weak."""
        if self.should_abstain(retrieval):
            return Answer(
                text=abstention(retrieval),
                citations=[],
                model=self.model_label,
                abstained=True,
                mode="abstained",
                latency_ms={"generate": 0.0},
            )
        start = time.perf_counter()
        facts = self.facts(retrieval)
        text, usage, adapter = self._complete(retrieval.question, facts)
        score = round(groundedness(text, [sentence for _, sentence in facts]), 3)
        mode = "generated"
        if score < self._agent_settings.min_groundedness and self._agent_settings.fallback == "extractive":
            text, mode = quote(facts), "extractive"
        return Answer(
            text=text,
            citations=cite(text, retrieval.documents, self._settings.min_score, facts),
            model=self.model_label,
            mode=mode,
            groundedness=score,
            adapter=adapter,
            cost_usd=self._pricing.cost("local", usage.get("input_tokens", 0), usage.get("output_tokens", 0)),
            latency_ms={"generate": _ms(start)},
            usage=usage,
        )

    def _complete(self, question: str, facts: list[tuple[int, str]]) -> tuple[str, dict[str, int], str | None]:
        chain = ANSWER_PROMPT | self._chat_model_factory()
        message = chain.invoke({"facts": format_facts(facts), "question": question})
        usage = dict(message.usage_metadata or {}) if isinstance(message, AIMessage) else {}
        adapter = message.response_metadata.get("adapter") if isinstance(message, AIMessage) else None
        counts = {k: int(v) for k, v in usage.items() if isinstance(v, int)}
        return str(message.content).strip(), counts, adapter

    def as_runnable(self, scope: Scope) -> Runnable[str, Answer]:
        """The whole agent as one LangChain runnable: question in, ``Answer`` out."""

        def retrieve(question: str) -> Retrieval:
            return self.retrieve(question, scope)

        return RunnableLambda(retrieve) | RunnableLambda(self.generate)
