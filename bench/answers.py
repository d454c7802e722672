"""Answers: our agent (facts prompt, groundedness check) against the old whole-passages prompt, same retrieval."""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.messages import AIMessage
from langchain_core.prompts import ChatPromptTemplate

from agents.agent import Retrieval, cite
from bench.dataset import QA, SCOPE
from bench.keyfacts import key_fact_score
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
    return qa is not None and qa.expected_source in {Path(f).name for f in files}


def _score(text: str, qa: QA | None) -> tuple[int, int]:
    return key_fact_score(text, qa.answer) if qa is not None else (0, 0)


def ours(steward: Steward, retrieval: Retrieval, qa: QA | None) -> AnswerRecord:
    """Our answer: ``agent.generate`` on the retrieval (abstention and extractive fallback included)."""
    start = time.perf_counter()
    answer = steward.agent.generate(retrieval)
    latency = elapsed_ms(start)
    found, total = _score(answer.text, qa)
    return AnswerRecord(
        question=retrieval.question,
        text=answer.text,
        mode=answer.mode,
        cited_expected=_cites([c.source for c in answer.citations], qa),
        found=found,
        total=total,
        latency_ms=latency,
        input_tokens=int(answer.usage.get("input_tokens", 0)),
    )


def peer(steward: Steward, retrieval: Retrieval, qa: QA) -> AnswerRecord:
    """The old prompt: top-4 whole passages in the system message, the model's text as is, no fallback."""
    documents = retrieval.documents[:PEER_PASSAGES]
    start = time.perf_counter()
    message = (PEER_PROMPT | steward.chat_model()).invoke(
        {"context": format_passages(documents), "question": retrieval.question}
    )
    latency = elapsed_ms(start)
    text = str(message.content).strip()
    usage = dict(message.usage_metadata or {}) if isinstance(message, AIMessage) else {}
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
    )


def run_answerable(steward: Steward, qas: list[QA]) -> tuple[list[AnswerRecord], list[AnswerRecord]]:
    """Both sides on every QA question, from one shared retrieval each, alternating which runs first."""
    mine, theirs = [], []
    for i, qa in enumerate(qas):
        retrieval = steward.agent.retrieve(qa.question, SCOPE)
        if i % 2 == 0:
            a, b = ours(steward, retrieval, qa), peer(steward, retrieval, qa)
        else:
            b, a = peer(steward, retrieval, qa), ours(steward, retrieval, qa)
        mine.append(a)
        theirs.append(b)
        print(
            f"  [{i + 1}/{len(qas)}] ours {a.mode} {a.latency_ms / 1000:.1f}s hit={a.hit} | "
            f"peer {b.latency_ms / 1000:.1f}s hit={b.hit}",
            file=sys.stderr,
            flush=True,
        )
    return mine, theirs


def run_unanswerable(steward: Steward, questions: list[str]) -> list[AnswerRecord]:
    """Our agent on questions the handbook cannot answer."""
    return [ours(steward, steward.agent.retrieve(q, SCOPE), None) for q in questions]
