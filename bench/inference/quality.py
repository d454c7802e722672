"""Answer quality: greedy answers to the handbook QA prompts, key-fact hits, agreement with fp32."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch

from bench.inference.prompts import Chat, encode
from bench.inference.speed import generate
from bench.keyfacts import key_fact_score

MAX_NEW_TOKENS = 64


@dataclass(frozen=True)
class Quality:
    """One variant's answers and how they score."""

    label: str
    answers: list[str]
    hits: list[bool]
    seconds: float

    @property
    def hit_rate(self) -> float:
        """Share of answers containing every key token of the reference (bench/keyfacts.py)."""
        return sum(self.hits) / len(self.hits) if self.hits else float("nan")

    def agreement(self, reference: Quality) -> float:
        """Share of answers identical (after stripping) to ``reference``'s answer to the same question."""
        same = [a == b for a, b in zip(self.answers, reference.answers, strict=True)]
        return sum(same) / len(same) if same else float("nan")


def is_hit(text: str, reference: str) -> bool:
    """True when ``text`` contains every key token of ``reference`` (and it has some)."""
    found, total = key_fact_score(text, reference)
    return total > 0 and found == total


def answer_all(
    model: Any, tokenizer: Any, chats: list[Chat], references: list[str], label: str, threads: int
) -> Quality:
    """Greedy answers (at most 64 new tokens) to every prompt, scored against the references."""
    torch.set_num_threads(threads)
    start = time.perf_counter()
    answers = []
    for chat in chats:
        inputs = encode(tokenizer, chat)
        output = generate(model, tokenizer, inputs, MAX_NEW_TOKENS)
        new = output[0][inputs["input_ids"].shape[1] :]
        answers.append(tokenizer.decode(new, skip_special_tokens=True).strip())
    hits = [is_hit(a, r) for a, r in zip(answers, references, strict=True)]
    return Quality(label, answers, hits, time.perf_counter() - start)
