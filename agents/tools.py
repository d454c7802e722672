"""The hosted model's agent: a LangChain tool-calling agent that may search the team's documents itself.

It starts from the passages the pipeline already retrieved (numbered ``[1]..[k]``) and can call
``search_docs(query, collection)`` and ``list_sources()``; every passage a tool returns is numbered after
those, so ``[n]`` in the final answer always maps back to a citation. Tools only ever see the request's
scope (its tenant and allowed collections).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain.agents import create_agent
from langchain_core.documents import Document
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.tools import BaseTool, StructuredTool

from agents.prompts import format_passages

Search = Callable[[str, tuple[str, ...]], list[Document]]
Sources = Callable[[tuple[str, ...]], list[tuple[str, str, str]]]

TOOLS_SYSTEM = (
    "You are Steward, a helpful assistant for a company's employees. Answer only from the company's "
    "documents: the numbered context below, or passages you find with the search_docs tool. Use "
    "list_sources to see which documents exist. Answer in one to three sentences and cite each fact's "
    "context number like [1]. If the documents do not contain the answer, say you don't know."
)


@dataclass
class Library:
    """Every passage shown to the model during one request, numbered as the model saw them."""

    documents: list[Document] = field(default_factory=list)

    def add(self, found: list[Document]) -> list[tuple[int, Document]]:
        """Number passages not shown before (after the existing ones); return every passage with its number."""
        numbered = []
        for doc in found:
            index = next((i for i, d in enumerate(self.documents) if _same(d, doc)), None)
            if index is None:
                self.documents.append(doc)
                index = len(self.documents) - 1
            numbered.append((index + 1, doc))
        return numbered


def _same(a: Document, b: Document) -> bool:
    return bool(a.metadata.get("chunk_id")) and a.metadata.get("chunk_id") == b.metadata.get("chunk_id")


def _label(doc: Document) -> str:
    return f"{doc.metadata.get('title', '')} > {doc.metadata.get('heading_path', '')}"


class DocTools:
    """``search_docs`` and ``list_sources`` for one request, confined to its allowed collections."""

    def __init__(self, search: Search, sources: Sources, allowed: tuple[str, ...], library: Library) -> None:
        self._search = search
        self._sources = sources
        self._allowed = allowed
        self.library = library

    def search_docs(self, query: str, collection: str = "") -> str:
        """Search the company's documents; returns numbered passages to cite as [n]."""
        if collection and self._allowed and collection not in self._allowed:
            return f"Collection {collection!r} is not available here. Available: {', '.join(self._allowed)}."
        scope = (collection,) if collection else self._allowed
        numbered = self.library.add(self._search(query, scope))
        if not numbered:
            return "No passages matched."
        return "\n\n".join(f"[{n}] {_label(doc)}\n{doc.page_content}" for n, doc in numbered)

    def list_sources(self) -> str:
        """List the documents that can be searched (collection, title, source)."""
        rows = self._sources(self._allowed)
        return "\n".join(f"{c} | {t} | {s}" for c, t, s in rows) or "No documents yet."

    def tools(self) -> list[BaseTool]:
        """The LangChain tools."""
        return [
            StructuredTool.from_function(self.search_docs, name="search_docs"),
            StructuredTool.from_function(self.list_sources, name="list_sources"),
        ]


@dataclass(frozen=True)
class ToolRun:
    """The agent's final text, the passages it was shown, and its token usage over all model calls."""

    text: str
    documents: list[Document]
    usage: dict[str, int]
    tool_calls: int


def _usage(messages: Sequence[BaseMessage]) -> dict[str, int]:
    total: dict[str, int] = {}
    for message in messages:
        if isinstance(message, AIMessage) and message.usage_metadata:
            for key, value in dict(message.usage_metadata).items():
                if isinstance(value, int):
                    total[key] = total.get(key, 0) + value
    return total


def _calls(messages: Sequence[BaseMessage]) -> int:
    return sum(len(m.tool_calls) for m in messages if isinstance(m, AIMessage))


class ToolAgent:
    """A LangChain ``create_agent`` graph over a tool-calling chat model."""

    def __init__(self, model: BaseChatModel, max_tool_calls: int) -> None:
        self._model = model
        self._limit = 2 * max_tool_calls + 2  # model and tool steps alternate; +2 for the first and last

    def _graph(self, tools: DocTools) -> Any:
        context = format_passages([(_label(d), d.page_content) for d in tools.library.documents])
        system = TOOLS_SYSTEM + ("\n\nContext:\n" + context if context else "")
        return create_agent(self._model, tools.tools(), system_prompt=system)

    @staticmethod
    def _inputs(question: str, history: list[BaseMessage]) -> dict[str, Any]:
        return {"messages": [*history, HumanMessage(question)]}

    def run(self, question: str, tools: DocTools, history: list[BaseMessage]) -> ToolRun:
        """Run the agent to its final answer."""
        state = self._graph(tools).invoke(self._inputs(question, history), {"recursion_limit": self._limit})
        return self._result(state["messages"], tools)

    async def astream(self, question: str, tools: DocTools, history: list[BaseMessage]) -> AsyncIterator[str | ToolRun]:
        """The final answer's tokens as the model writes them, then the :class:`ToolRun`."""
        graph = self._graph(tools)
        messages: list[BaseMessage] = []
        async for mode, item in graph.astream(
            self._inputs(question, history), {"recursion_limit": self._limit}, stream_mode=["messages", "values"]
        ):
            if mode == "values":
                messages = item["messages"]
            elif isinstance(item[0], AIMessageChunk) and (piece := item[0].text) and not item[0].tool_call_chunks:
                yield piece
        yield self._result(messages, tools)

    @staticmethod
    def _result(messages: Sequence[BaseMessage], tools: DocTools) -> ToolRun:
        final = messages[-1] if messages else AIMessage("")
        text = final.text.strip() if isinstance(final, AIMessage) else ""
        return ToolRun(text, list(tools.library.documents), _usage(messages), _calls(messages))
