"""The answering agent: retrieve top-k, prompt with numbered context, generate, map [n] to citations.

It is a LangChain runnable (``retriever | prompt | model | parser``) split in two halves so the
governed pipeline can run its own steps between retrieval and generation.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.documents import Document
from langchain_core.runnables import Runnable, RunnableLambda

from agents.answer import Answer, Citation
from agents.answering import OnToken, Outcome, Responder, elapsed_ms
from agents.config import AgentSettings, RetrievalSettings
from agents.embeddings import SentenceTransformerEmbeddings
from agents.grounding import answers_question, extract, supporting
from agents.retrieval.hybrid import HybridSearch
from agents.retrieval.rerank import Reranker
from agents.retrieval.retriever import StewardRetriever
from agents.retrieval.store import ChunkSearch, Scope
from agents.tools import DocTools, Library

_MARKER = re.compile(r"\[(\d+)\]")
MAX_FALLBACK_CITATIONS = 2


@dataclass(frozen=True)
class Retrieval:
    """Retrieved chunks (best first), how long retrieval took, and the thread's earlier exchanges."""

    question: str
    documents: list[Document]
    latency_ms: float
    history: tuple[tuple[str, str], ...] = ()
    scope: Scope | None = None

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


_OPENERS = ("and ", "also ", "but ", "so ", "what about", "how about", "and?", "what if", "then ")
_REFERENCE_TEXT = "it its it's that this these those they them their one ones there he she him her"
_REFERENCES = frozenset(_REFERENCE_TEXT.split())


def is_follow_up(question: str, max_words: int) -> bool:
    """True for a short question that leans on the previous one.

    It opens with "and", "what about"… or refers back ("it", "that", "one"…). "What is the capital of
    Australia?" is short but stands alone.
    """
    text = question.strip().lower()
    words = re.findall(r"[a-z']+", text)
    if not words or len(words) > max_words:
        return False
    return text.startswith(_OPENERS) or any(w in _REFERENCES for w in words)


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
        responder: Responder,
        settings: RetrievalSettings,
        agent_settings: AgentSettings,
        model_label: str,
        screen: Callable[[str, list[Document]], list[Document]] | None = None,
    ) -> None:
        self._embedder = embedder
        self._search = search
        self._hybrid = hybrid
        self._reranker = reranker
        self._responder = responder
        self._settings = settings
        self._agent_settings = agent_settings
        self.model_label = model_label
        self._screen = screen  # drops retrieved chunks that must never reach a model (e.g. injections)

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

    def search_query(self, question: str, history: tuple[tuple[str, str], ...]) -> str:
        """The text to search with: a short follow-up in a thread is searched with the previous question."""
        if history and is_follow_up(question, self._agent_settings.followup_words):
            return f"{history[-1][0]} {question}"
        return question

    def retrieve(
        self, question: str, scope: Scope, k: int | None = None, history: tuple[tuple[str, str], ...] = ()
    ) -> Retrieval:
        """Top-k chunks for ``question`` (in the context of ``history``) within ``scope``."""
        start = time.perf_counter()
        documents = self._screened(scope, self.retriever(scope, k).invoke(self.search_query(question, history)))
        return Retrieval(question, documents, _ms(start), history, scope)

    def tools(self, retrieval: Retrieval) -> DocTools | None:
        """``search_docs``/``list_sources`` for a tool-calling model, confined to the retrieval's scope."""
        scope = retrieval.scope
        if scope is None:
            return None

        def search(query: str, collections: tuple[str, ...]) -> list[Document]:
            return self._screened(scope, self.retriever(Scope(scope.tenant, collections)).invoke(query))

        def sources(collections: tuple[str, ...]) -> list[tuple[str, str, str]]:
            return self._search.sources(Scope(scope.tenant, collections))

        return DocTools(search, sources, scope.collections, Library(list(retrieval.documents)))

    def _screened(self, scope: Scope, documents: list[Document]) -> list[Document]:
        return self._screen(scope.tenant, documents) if self._screen is not None else documents

    def should_abstain(self, retrieval: Retrieval) -> bool:
        """True when even the best chunk is below the similarity threshold."""
        return retrieval.best_score < self._settings.min_score

    def facts(self, retrieval: Retrieval) -> list[tuple[int, str]]:
        """The retrieved sentences most relevant to the question, numbered by their passage."""
        asked = self.search_query(retrieval.question, retrieval.history)
        vector = self._embedder.embed_array([asked])[0]
        return extract(
            vector,
            retrieval.documents,
            self._embedder.embed_array,
            self._agent_settings.facts,
            question=retrieval.question,
        )

    def generate(self, retrieval: Retrieval, restricted: bool = False) -> Answer:
        """Answer from the retrieved context (routed, checked, escalated), quote it, or abstain.

        ``restricted`` is the data-residency flag: such a request never reaches a hosted model.
        """
        if self.should_abstain(retrieval):
            return Answer(
                text=abstention(retrieval),
                citations=[],
                model=self.model_label,
                abstained=True,
                mode="abstained",
                route_reason="abstained: weak retrieval",
                latency_ms={"generate": 0.0},
            )
        start = time.perf_counter()
        facts = self.facts(retrieval)
        asked = self.search_query(retrieval.question, retrieval.history)
        outcome = self._responder.respond(
            asked, facts, retrieval.documents, restricted, history=retrieval.history, tools=self.tools(retrieval)
        )
        return self._answer(retrieval, facts, outcome, elapsed_ms(start))

    async def agenerate(self, retrieval: Retrieval, restricted: bool, on_token: OnToken) -> Answer:
        """:meth:`generate`, streaming the first model's tokens to ``on_token`` as they are produced.

        The final ``Answer`` may differ from the streamed text (escalation, or a quote when the streamed
        answer was not grounded): adapters edit the message in place with the final text.
        """
        if self.should_abstain(retrieval):
            return self.generate(retrieval, restricted)
        start = time.perf_counter()
        facts = await asyncio.to_thread(self.facts, retrieval)
        asked = self.search_query(retrieval.question, retrieval.history)
        outcome, ttft = await self._responder.arespond(
            asked, facts, retrieval.documents, restricted, on_token, retrieval.history, self.tools(retrieval)
        )
        answer = self._answer(retrieval, facts, outcome, elapsed_ms(start))
        if ttft is not None:
            answer.latency_ms["ttft"] = ttft
        return answer

    def _answer(self, retrieval: Retrieval, facts: list[tuple[int, str]], outcome: Outcome, ms: float) -> Answer:
        if outcome.declined is not None:
            return Answer(
                text=outcome.declined.message,
                citations=[],
                model="none",
                mode="declined",
                route_reason=outcome.reason,
                latency_ms={"generate": ms},
            )
        c = outcome.completion
        grounded = c is not None and c.score >= self._agent_settings.min_groundedness
        if c is not None and (grounded or self._agent_settings.fallback == "none"):
            text, mode = c.text, "generated"
        elif answers_question(retrieval.question, [sentence for _, sentence in facts]):
            text, mode = quote(facts), "extractive"
        else:
            return self._unanswered(retrieval, outcome, ms)
        shown = list(c.documents) if c is not None and c.documents else retrieval.documents
        return Answer(
            text=text,
            citations=cite(text, shown, self._settings.min_score, facts),
            model=c.model if c else self.model_label,
            mode=mode,
            groundedness=c.score if c else None,
            adapter=c.adapter if c else None,
            route_reason=outcome.reason,
            cost_usd=self._responder.cost(c) if c else 0.0,
            latency_ms={"generate": ms},
            usage=c.usage if c else {},
            facts=tuple(sentence for _, sentence in facts),
        )

    def _unanswered(self, retrieval: Retrieval, outcome: Outcome, ms: float) -> Answer:
        """No grounded model answer and no passage that answers the question: say so, naming the nearest sources."""
        c = outcome.completion
        return Answer(
            text=abstention(retrieval),
            citations=[],
            model=c.model if c else self.model_label,
            abstained=True,
            mode="abstained",
            groundedness=c.score if c else None,
            route_reason=f"{outcome.reason}; abstained: no passage answers the question",
            cost_usd=self._responder.cost(c) if c else 0.0,
            latency_ms={"generate": ms},
            usage=c.usage if c else {},
        )

    def as_runnable(self, scope: Scope) -> Runnable[str, Answer]:
        """The whole agent as one LangChain runnable: question in, ``Answer`` out."""

        def retrieve(question: str) -> Retrieval:
            return self.retrieve(question, scope)

        return RunnableLambda(retrieve) | RunnableLambda(self.generate)
