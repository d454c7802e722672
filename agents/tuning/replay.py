"""Rehearsal data: the base model's own answers to everyday prompts, mixed into SFT to limit forgetting.

Tuning a small model on a narrow format (short cited answers from facts) also moves its answers to
unrelated prompts. Training on a few everyday prompts with the *base* model's answers as targets
(self-distillation) anchors that behaviour. The bundled prompts are disjoint from the gate's
general-capability set, so the gate still measures what was not trained on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from importlib import resources

from langchain_core.messages import BaseMessage, HumanMessage

from agents.tuning.records import SFTExample

SOURCE_REPLAY = "replay"
BUNDLED = "replay_prompts.txt"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
Answerer = Callable[[Sequence[Sequence[BaseMessage]]], list[str]]


def replay_prompts() -> list[str]:
    """The bundled everyday prompts (``agents/tuning/data/replay_prompts.txt``)."""
    text = resources.files("agents.tuning").joinpath("data").joinpath(BUNDLED).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def complete_sentences(text: str, max_sentences: int = 2) -> str:
    """At most ``max_sentences`` whole sentences of ``text`` (a cut-off tail is dropped when possible)."""
    parts = _SENTENCE_END.split(text.strip())
    kept = [p for p in parts[:max_sentences] if p.rstrip().endswith((".", "!", "?"))]
    return " ".join(kept) if kept else text.strip()


def replay_examples(base: Answerer, prompts: Sequence[str] | None = None, max_sentences: int = 2) -> list[SFTExample]:
    """SFT examples whose targets are ``base``'s own answers (trimmed to whole sentences)."""
    prompts = list(prompts if prompts is not None else replay_prompts())
    answers = base([[HumanMessage(p)] for p in prompts])
    return [
        SFTExample(p, complete_sentences(a, max_sentences), SOURCE_REPLAY, None, None)
        for p, a in zip(prompts, answers, strict=True)
        if a.strip()
    ]
