"""The benchmark's prompts: one ~500-token grounded prompt, and the app's compact prompt for every QA question."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage

from agents.prompts import ANSWER_PROMPT, HOSTED_SYSTEM, format_facts, format_passages
from bench import harness
from bench.dataset import HANDBOOK, QA, SCOPE
from bot.container import Steward

TARGET_TOKENS = 500
QUESTION = "How many days of paid leave do I get, and how far ahead must I request a long holiday?"
_ROLES = {"human": "user", "ai": "assistant", "system": "system"}
Chat = list[dict[str, str]]


def encode(tokenizer: Any, chat: Chat) -> dict[str, Any]:
    """``chat`` through the chat template (generation prompt added), as ``input_ids``/``attention_mask``."""
    return dict(tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True))


def _paragraphs() -> list[tuple[str, str]]:
    found = []
    for path in sorted(HANDBOOK.glob("*.md")):
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            text = block.strip()
            if len(text) > 120 and not text.startswith(("#", "|")):
                found.append((path.stem, text))
    return found


def _grounded_chat(passages: list[tuple[str, str]]) -> Chat:
    system = HOSTED_SYSTEM + "\n\nContext:\n" + format_passages(passages)
    return [{"role": "system", "content": system}, {"role": "user", "content": QUESTION}]


def grounded_prompt(tokenizer: Any, target: int = TARGET_TOKENS) -> dict[str, Any]:
    """A system prompt plus as many numbered handbook passages as fit in ``target`` tokens, and a question."""
    by_file: dict[str, list[tuple[str, str]]] = {}
    for stem, text in _paragraphs():
        by_file.setdefault(stem, []).append((stem, text))
    ordered = [p for group in zip(*by_file.values(), strict=False) for p in group]  # one per file, round-robin
    chosen: list[tuple[str, str]] = []
    for passage in ordered:
        if encode(tokenizer, _grounded_chat([*chosen, passage]))["input_ids"].shape[1] <= target:
            chosen.append(passage)
    return encode(tokenizer, _grounded_chat(chosen))


def _chat(messages: list[BaseMessage]) -> Chat:
    return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]


def qa_chats(qas: list[QA]) -> list[Chat]:
    """The app's compact local prompt (ANSWER_PROMPT, the retrieved facts) for each question.

    A throw-away Steward (temp data dir, embedded PostgreSQL) ingests the handbook, retrieves and extracts
    the facts exactly as the agent does; it is closed (server stopped) before any timing starts.
    """
    with tempfile.TemporaryDirectory(prefix="steward-bench-inference-", ignore_cleanup_errors=True) as tmp:
        steward = Steward.open(harness.bench_settings(Path(tmp)))
        try:
            ingest = harness.ingest_handbook(steward)
            if ingest.failed:
                raise SystemExit(f"ingestion failed: {ingest.failed}")
            chats = []
            for qa in qas:
                facts = steward.agent.facts(steward.agent.retrieve(qa.question, SCOPE))
                chats.append(_chat(ANSWER_PROMPT.format_messages(facts=format_facts(facts), question=qa.question)))
        finally:
            steward.close()
    return chats
