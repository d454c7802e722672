"""The grounded-answer prompt: a few numbered facts, one short sentence, cite with [n].

Small local models answer far better from two or three relevant sentences than from whole passages
(measured on the handbook QA set: see docs/benchmarks.md), and the prompt is several times shorter.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

SYSTEM = (
    "You are Steward, a helpful assistant for a company's employees. Answer the question in one short "
    "sentence, using only the facts given. Cite the fact number like [1]."
)

ANSWER_PROMPT = ChatPromptTemplate.from_messages(
    [("system", SYSTEM), ("human", "Facts:\n{facts}\n\nQuestion: {question}")]
)


def format_facts(facts: list[tuple[int, str]]) -> str:
    """One ``[n] sentence`` line per fact; ``n`` is the number of the passage it came from."""
    return "\n".join(f"[{n}] {sentence}" for n, sentence in facts)


HOSTED_SYSTEM = (
    "You are Steward, a helpful assistant for a company's employees. Answer the question using only the "
    "numbered context below, in one to three sentences. After each fact, cite its context number like [1]. "
    "If the context does not contain the answer, say you don't know."
)

HOSTED_PROMPT = ChatPromptTemplate.from_messages(
    [
        ("system", HOSTED_SYSTEM + "\n\nContext:\n{context}"),
        MessagesPlaceholder("history", optional=True),
        ("human", "{question}"),
    ]
)


def history_messages(history: tuple[tuple[str, str], ...]) -> list[BaseMessage]:
    """A thread's earlier exchanges as chat messages, oldest first."""
    messages: list[BaseMessage] = []
    for question, answer in history:
        messages += [HumanMessage(question), AIMessage(answer)]
    return messages


def format_passages(passages: list[tuple[str, str]]) -> str:
    """``[n] label`` and the passage text, for models that can read whole passages."""
    return "\n\n".join(f"[{n}] {label}\n{text}" for n, (label, text) in enumerate(passages, start=1))
