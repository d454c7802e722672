"""Answers: our agent (facts prompt, groundedness check) against the old whole-passages prompt, same retrieval."""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.messages import AIMessage
from langchain_core.prompts import ChatPromptTemplate

from agents.agent import Retrieval, cite
from agents.answer import Citation
from agents.eval.faithfulness import ScoredReply, score_reply
from agents.eval.malformed import ReplyChecker
from agents.eval.scoring import key_fact_recall
from agents.retrieval.store import Scope
from bench.dataset import QA, SCOPE
from bench.stats import elapsed_ms
from bot.container import Steward

PEER_SYSTEM = (
    "You are Steward, a helpful assistant for a company's employees. Answer the question using only the "
    "numbered context below. Be brief: one to three sentences. After each fact, cite its context number in "
    "square brackets, like [1]. If the context does not contain the answer, say you don't know."
)
PEER_PROMPT = ChatPromptTemplate.from_messages(
    [("system", PEER_SYSTEM + "\n\nContext:\n{context}"), ("human", "{question}")]
)
PEER_PASSAGES = 4
_DONT_KNOW = re.compile(r"\b(?:don't|do not|doesn't|does not) (?:know|contain|say|mention)", re.IGNORECASE)


@dataclass(frozen=True)
class AnswerRecord:
    """One answer as the benchmark scores it."""

    question: str
    text: str
    mode: str
    cited_expected: bool
    found: int
    total: int
    latency_ms: float
    input_tokens: int
    scored: ScoredReply | None = None

    @property
    def malformed(self) -> tuple[str, ...]:
        """The kinds of problem that make the reply malformed (empty when it is well formed)."""
        return self.scored.malformed if self.scored is not None else ()

    @property
    def hit(self) -> bool:
        """True when the answer contains every key token of the reference."""
        return self.total > 0 and self.found == self.total

    @property
    def words(self) -> int:
        """Length of the answer text in words."""
        return len(self.text.split())

    @property
    def says_dont_know(self) -> bool:
        """True for an abstention, or a generated text that says the context lacks the answer."""
        return self.mode == "abstained" or _DONT_KNOW.search(self.text) is not None


def format_passages(documents: list[Document]) -> str:
    """Whole passages as the old prompt numbered them: ``[n] Title > heading`` then the content."""
    blocks = []
    for n, doc in enumerate(documents, start=1):
        heading = doc.metadata.get("heading_path") or ""
        title = doc.metadata["title"] + (f" > {heading}" if heading else "")
        blocks.append(f"[{n}] {title}\n{doc.page_content}")
    return "\n\n".join(blocks)


def _cites(files: list[str], qa: QA | None) -> bool:
    return qa is not None and bool(set(qa.accepted_sources) & {Path(f.split("#", 1)[0]).name for f in files})


def _score(text: str, qa: QA | None) -> tuple[int, int]:
    if qa is None:
        return 0, 0
    facts = qa.key_facts
    return round(key_fact_recall(text, facts) * len(facts)), len(facts)


def cited_texts(citations: list[Citation], documents: list[Document]) -> list[str]:
    """The text of each cited passage (looked up by chunk id among the retrieved ``documents``)."""
    by_id = {d.metadata.get("chunk_id"): d.page_content for d in documents}
    return [by_id.get(c.chunk_id, "") for c in citations]


def faithfulness(
    checker: ReplyChecker | None, retrieval: Retrieval, text: str, cited: list[str], qa: QA | None, abstained: bool
) -> ScoredReply:
    """The reply scored for faithfulness (and checked for malformations when a ``checker`` is given)."""
    malformed = checker.kinds(text) if checker is not None else []
    facts = qa.key_facts if qa is not None else ()
    return score_reply(retrieval.question, text, cited, facts, abstained, malformed)


def ours(steward: Steward, retrieval: Retrieval, qa: QA | None, checker: ReplyChecker | None = None) -> AnswerRecord:
    """Our answer: ``agent.generate`` on the retrieval (abstention and extractive fallback included)."""
    start = time.perf_counter()
    answer = steward.agent.generate(retrieval)
    latency = elapsed_ms(start)
    found, total = _score(answer.text, qa)
    cited = cited_texts(answer.citations, retrieval.documents)
    return AnswerRecord(
        question=retrieval.question,
        text=answer.text,
        mode=answer.mode,
        cited_expected=_cites([c.source for c in answer.citations], qa),
        found=found,
        total=total,
        latency_ms=latency,
        input_tokens=int(answer.usage.get("input_tokens", 0)),
        scored=faithfulness(checker, retrieval, answer.text, cited, qa, answer.mode == "abstained"),
    )


def peer(steward: Steward, retrieval: Retrieval, qa: QA, checker: ReplyChecker | None = None) -> AnswerRecord:
    """The old prompt: top-4 whole passages in the system message, the model's text as is, no fallback."""
    documents = retrieval.documents[:PEER_PASSAGES]
    start = time.perf_counter()
    message = (PEER_PROMPT | steward.chat_model()).invoke(
        {"context": format_passages(documents), "question": retrieval.question}
    )
    latency = elapsed_ms(start)
    text = str(message.content).strip()
    usage: dict[str, Any] = dict(message.usage_metadata or {}) if isinstance(message, AIMessage) else {}
    citations = cite(text, documents, steward.settings.retrieval.min_score)
    found, total = _score(text, qa)
    return AnswerRecord(
        question=retrieval.question,
        text=text,
        mode="generated",
        cited_expected=_cites([c.source for c in citations], qa),
        found=found,
        total=total,
        latency_ms=latency,
        input_tokens=int(usage.get("input_tokens", 0)),
        scored=faithfulness(checker, retrieval, text, cited_texts(citations, documents), qa, False),
    )


def run_answerable(
    steward: Steward, qas: list[QA], checker: ReplyChecker | None = None, scope: Scope = SCOPE
) -> tuple[list[AnswerRecord], list[AnswerRecord]]:
    """Both sides on every QA question, from one shared retrieval each, alternating which runs first."""
    mine, theirs = [], []
    for i, qa in enumerate(qas):
        retrieval = steward.agent.retrieve(qa.question, scope)
        if i % 2 == 0:
            a, b = ours(steward, retrieval, qa, checker), peer(steward, retrieval, qa, checker)
        else:
            b, a = peer(steward, retrieval, qa, checker), ours(steward, retrieval, qa, checker)
        mine.append(a)
        theirs.append(b)
        print(
            f"  [{i + 1}/{len(qas)}] ours {a.mode} {a.latency_ms / 1000:.1f}s hit={a.hit} | "
            f"peer {b.latency_ms / 1000:.1f}s hit={b.hit}",
            file=sys.stderr,
            flush=True,
        )
    return mine, theirs


def run_unanswerable(
    steward: Steward, questions: list[str], checker: ReplyChecker | None = None, scope: Scope = SCOPE
) -> list[AnswerRecord]:
    """Our agent on questions the corpus cannot answer."""
    return [ours(steward, steward.agent.retrieve(q, scope), None, checker) for q in questions]


def run_ours(
    steward: Steward, qas: list[QA], checker: ReplyChecker | None = None, scope: Scope = SCOPE
) -> list[AnswerRecord]:
    """Our agent alone on every QA question (when the peer is not run)."""
    mine = []
    for i, qa in enumerate(qas):
        a = ours(steward, steward.agent.retrieve(qa.question, scope), qa, checker)
        mine.append(a)
        print(
            f"  [{i + 1}/{len(qas)}] ours {a.mode} {a.latency_ms / 1000:.1f}s hit={a.hit}", file=sys.stderr, flush=True
        )
    return mine
