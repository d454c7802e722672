"""The grounded-answer prompt: short, numbered context, cite with [n]. Small models need it compact."""

from __future__ import annotations

from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate

SYSTEM = (
    "You are Steward, a helpful assistant for a company's employees. Answer the question using only the "
    "numbered context below. Be brief: one to three sentences. After each fact, cite its context number "
    "in square brackets, like [1]. If the context does not contain the answer, say you don't know."
)

ANSWER_PROMPT = ChatPromptTemplate.from_messages(
    [("system", SYSTEM + "\n\nContext:\n{context}"), ("human", "{question}")]
)


def format_context(documents: list[Document]) -> str:
    """``[n] Title > Heading`` followed by the passage, for each retrieved chunk."""
    blocks = []
    for n, doc in enumerate(documents, start=1):
        heading = doc.metadata.get("heading_path") or ""
        title = doc.metadata.get("title", "")
        label = f"{title} > {heading}" if heading and not heading.startswith(title) else heading or title
        blocks.append(f"[{n}] {label}\n{doc.page_content}")
    return "\n\n".join(blocks)
