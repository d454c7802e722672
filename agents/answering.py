"""Producing the answer text: follow the route plan, check groundedness, escalate, fall back, account.

The local model gets a compact prompt (the two most relevant sentences); a hosted model gets the
whole retrieved passages. Each candidate answer is checked against what its model was shown; the
first grounded one wins. When none is grounded the relevant sentences are quoted instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import structlog
from langchain_core.documents import Document
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.prompts import ChatPromptTemplate

from agents.config import AgentSettings, PricingSettings, RouterSettings
from agents.grounding import groundedness
from agents.models.router import Attempt, Decline, RouteInput, is_complex, plan
from agents.prompts import ANSWER_PROMPT, HOSTED_PROMPT, format_facts, format_passages, history_messages
from agents.tools import DocTools, ToolAgent, ToolRun

Facts = list[tuple[int, str]]
OnToken = Callable[[str], Awaitable[None]]
Prompted = tuple[ChatPromptTemplate, dict[str, Any], list[str]]
History = tuple[tuple[str, str], ...]
CHARS_PER_TOKEN = 4
log = structlog.stdlib.get_logger(__name__)


@dataclass(frozen=True)
class Completion:
    """One model's answer and what it cost."""

    text: str
    target: str
    model: str
    score: float
    adapter: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    documents: tuple[Document, ...] = ()  # every passage shown, when a tool-calling agent found more


@dataclass(frozen=True)
class Outcome:
    """The chosen completion (or None), why it was chosen, and what happened on the way."""

    completion: Completion | None
    reason: str
    declined: Decline | None = None
    notes: tuple[str, ...] = ()


def _usage(message: object) -> tuple[dict[str, int], str | None]:
    if not isinstance(message, AIMessage):
        return {}, None
    usage = {k: int(v) for k, v in dict(message.usage_metadata or {}).items() if isinstance(v, int)}
    return usage, message.response_metadata.get("adapter")


def _passages(documents: list[Document]) -> list[tuple[str, str]]:
    return [(f"{d.metadata['title']} > {d.metadata.get('heading_path', '')}", d.page_content) for d in documents]


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:160]


class Responder:
    """Runs the route plan for one question."""

    def __init__(
        self,
        local: Callable[[], BaseChatModel],
        hosted: Callable[[], BaseChatModel] | None,
        labels: dict[str, str],
        agent: AgentSettings,
        router: RouterSettings,
        max_prompt_tokens: int,
        pricing: PricingSettings,
    ) -> None:
        self._models = {"local": local, "hosted": hosted}
        self._labels = labels
        self._agent = agent
        self._router = router
        self._max_prompt_tokens = max_prompt_tokens
        self.pricing = pricing

    def route_input(self, question: str, facts: Facts, restricted: bool) -> RouteInput:
        """The plain values the router decides on."""
        local_prompt_chars = len(format_facts(facts)) + len(question) + 400
        return RouteInput(
            route=self._router.route,
            restricted=restricted,
            hosted_available=self._models["hosted"] is not None,
            complex_query=is_complex(question, self._router.complex_patterns),
            too_long=local_prompt_chars / CHARS_PER_TOKEN > self._max_prompt_tokens,
        )

    def _model(self, target: str) -> BaseChatModel:
        factory = self._models[target]
        if factory is None:
            raise RuntimeError(f"no {target} model is configured")
        return factory()

    @staticmethod
    def _prompt(target: str, question: str, facts: Facts, documents: list[Document], history: History) -> Prompted:
        """The prompt for ``target``, its inputs, and the texts its answer must be grounded in.

        The small local model sees no history (it only confuses it); a hosted model sees the thread.
        """
        if target == "local":
            return ANSWER_PROMPT, {"facts": format_facts(facts), "question": question}, [s for _, s in facts]
        inputs = {
            "context": format_passages(_passages(documents)),
            "question": question,
            "history": history_messages(history),
        }
        return HOSTED_PROMPT, inputs, [d.page_content for d in documents]

    def _uses_tools(self, target: str, tools: DocTools | None) -> bool:
        return target == "hosted" and tools is not None and self._agent.hosted_agent == "tools"

    def _tool_agent(self) -> ToolAgent:
        return ToolAgent(self._model("hosted"), self._agent.max_tool_calls)

    def _tool_completion(self, run: ToolRun) -> Completion:
        score = round(groundedness(run.text, [d.page_content for d in run.documents]), 3)
        return Completion(run.text, "hosted", self._labels["hosted"], score, None, run.usage, tuple(run.documents))

    def _complete(
        self,
        target: str,
        question: str,
        facts: Facts,
        documents: list[Document],
        history: History = (),
        tools: DocTools | None = None,
    ) -> Completion:
        if tools is not None and self._uses_tools(target, tools):
            return self._tool_completion(self._tool_agent().run(question, tools, history_messages(history)))
        prompt, inputs, shown = self._prompt(target, question, facts, documents, history)
        message = (prompt | self._model(target)).invoke(inputs)
        text = str(message.content).strip()
        usage, adapter = _usage(message)
        return Completion(text, target, self._labels[target], round(groundedness(text, shown), 3), adapter, usage)

    async def _astream(
        self,
        target: str,
        question: str,
        facts: Facts,
        documents: list[Document],
        on_token: OnToken,
        history: History = (),
        tools: DocTools | None = None,
    ) -> tuple[Completion, float | None]:
        if tools is not None and self._uses_tools(target, tools):
            return await self._astream_tools(question, tools, on_token, history)
        prompt, inputs, shown = self._prompt(target, question, facts, documents, history)
        model = await asyncio.to_thread(self._model, target)
        start, ttft, full = time.perf_counter(), None, AIMessageChunk(content="")
        async for chunk in (prompt | model).astream(inputs):
            full = cast(AIMessageChunk, full + chunk)
            if piece := str(chunk.content):
                ttft = ttft if ttft is not None else elapsed_ms(start)
                await on_token(piece)
        text = str(full.content).strip()
        usage, adapter = _usage(full)
        score = round(groundedness(text, shown), 3)
        return Completion(text, target, self._labels[target], score, adapter, usage), ttft

    async def _astream_tools(
        self, question: str, tools: DocTools, on_token: OnToken, history: History
    ) -> tuple[Completion, float | None]:
        agent = await asyncio.to_thread(self._tool_agent)
        start, ttft = time.perf_counter(), None
        async for item in agent.astream(question, tools, history_messages(history)):
            if isinstance(item, ToolRun):
                return self._tool_completion(item), ttft
            ttft = ttft if ttft is not None else elapsed_ms(start)
            await on_token(item)
        raise RuntimeError("the tool agent ended without a result")

    async def arespond(
        self,
        question: str,
        facts: Facts,
        documents: list[Document],
        restricted: bool,
        on_token: OnToken,
        history: History = (),
        tools: DocTools | None = None,
    ) -> tuple[Outcome, float | None]:
        """Like :meth:`respond`, streaming the first attempt's tokens to ``on_token``; also returns TTFT (ms)."""
        steps = plan(self.route_input(question, facts, restricted))
        if isinstance(steps, Decline):
            return Outcome(None, steps.reason, declined=steps), None
        notes: list[str] = []
        completion, ttft = None, None
        try:
            completion, ttft = await self._astream(
                steps[0].target, question, facts, documents, on_token, history, tools
            )
        except Exception as exc:  # noqa: BLE001 - any model failure is a reason to try the next route
            notes.append(f"{steps[0].target} failed ({_short(exc)})")
        outcome = await asyncio.to_thread(
            self.respond, question, facts, documents, restricted, (completion, notes), history, tools
        )
        return outcome, ttft

    def respond(
        self,
        question: str,
        facts: Facts,
        documents: list[Document],
        restricted: bool,
        first: tuple[Completion | None, list[str]] | None = None,
        history: History = (),
        tools: DocTools | None = None,
    ) -> Outcome:
        """Try each planned attempt until one gives a grounded answer (``first``: the first one, already run)."""
        steps = plan(self.route_input(question, facts, restricted))
        if isinstance(steps, Decline):
            return Outcome(None, steps.reason, declined=steps)
        notes: list[str] = []
        fallback: tuple[Completion, str] | None = None
        for index, attempt in enumerate(steps):
            if index == 0 and first is not None:
                completion = first[0]
                notes.extend(first[1])
            else:
                completion = self._try(attempt, question, facts, documents, notes, history, tools)
            if completion is None:
                continue
            if completion.score >= self._agent.min_groundedness:
                return Outcome(completion, "; ".join([attempt.reason, *notes]), notes=tuple(notes))
            notes.append(f"{attempt.target} not grounded ({completion.score})")
            fallback = fallback or (completion, attempt.reason)
            if not self._router.escalate_ungrounded:
                break
        if fallback is None:
            return Outcome(None, "; ".join([steps[0].reason, *notes, "no model answered"]), notes=tuple(notes))
        return Outcome(fallback[0], "; ".join([fallback[1], *notes]), notes=tuple(notes))

    def _try(
        self,
        attempt: Attempt,
        question: str,
        facts: Facts,
        documents: list[Document],
        notes: list[str],
        history: History = (),
        tools: DocTools | None = None,
    ) -> Completion | None:
        try:
            return self._complete(attempt.target, question, facts, documents, history, tools)
        except Exception as exc:  # noqa: BLE001 - any model failure is a reason to try the next route
            notes.append(f"{attempt.target} failed ({_short(exc)})")
            log.warning("model.failed", target=attempt.target, error=_short(exc))
            return None

    def cost(self, completion: Completion) -> float:
        """Estimated USD for a completion."""
        return self.pricing.cost(
            completion.target, completion.usage.get("input_tokens", 0), completion.usage.get("output_tokens", 0)
        )


def elapsed_ms(start: float) -> float:
    """Milliseconds since ``start`` (a ``perf_counter`` reading)."""
    return round((time.perf_counter() - start) * 1000, 1)
