"""Retrieval evaluation: recall@k and MRR at document level over a JSONL set of questions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class QAFileError(ValueError):
    """The QA file is malformed; the message names the line."""


@dataclass(frozen=True)
class QAItem:
    """One question and the source that answers it (a file name, a path suffix or a URL)."""

    question: str
    expected_source: str


@dataclass
class RetrievalReport:
    """recall@k per k, mean reciprocal rank, and the questions whose source was not in the top max(k)."""

    questions: int
    recall: dict[int, float]
    mrr: float
    misses: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "questions": self.questions,
            "recall": {str(k): v for k, v in self.recall.items()},
            "mrr": self.mrr,
            "misses": self.misses,
        }


def _item(line: str, number: int) -> QAItem:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise QAFileError(f"line {number}: not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("question"), str) or not data["question"].strip():
        raise QAFileError(f'line {number}: needs a non-empty "question" string')
    if not isinstance(data.get("expected_source"), str) or not data["expected_source"].strip():
        raise QAFileError(f'line {number}: needs a non-empty "expected_source" string')
    return QAItem(question=data["question"], expected_source=data["expected_source"])


def load_qa(path: Path) -> list[QAItem]:
    """Read a JSONL QA file; blank lines are ignored; any malformed line raises ``QAFileError``."""
    items = [_item(line, n) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.strip()]
    if not items:
        raise QAFileError("the QA file has no questions")
    return items


def matches(source: str, expected: str) -> bool:
    """True when a retrieved source is the expected one (fragments like ``#page=2`` are ignored)."""
    bare = source.split("#", 1)[0]
    return bare == expected or bare.endswith("/" + expected.lstrip("/"))


def first_rank(sources: Iterable[str], expected: str) -> int | None:
    """1-based rank of the first retrieved chunk from the expected source, at document level."""
    seen: list[str] = []
    for source in sources:
        bare = source.split("#", 1)[0]
        if bare not in seen:
            seen.append(bare)
        if matches(bare, expected):
            return len(seen)
    return None


def evaluate(items: list[QAItem], retrieve: Callable[[str], list[str]], ks: list[int]) -> RetrievalReport:
    """Run every question through ``retrieve`` (question → ranked sources) and score it."""
    ranks = []
    misses = []
    for item in items:
        sources = retrieve(item.question)
        rank = first_rank(sources, item.expected_source)
        ranks.append(rank)
        if rank is None or rank > max(ks):
            misses.append(
                {
                    "question": item.question,
                    "expected_source": item.expected_source,
                    "retrieved": list(dict.fromkeys(s.split("#", 1)[0] for s in sources))[:3],
                }
            )
    n = len(items)
    recall = {k: round(sum(1 for r in ranks if r is not None and r <= k) / n, 4) for k in ks}
    mrr = round(sum(1 / r for r in ranks if r is not None) / n, 4)
    return RetrievalReport(questions=n, recall=recall, mrr=mrr, misses=misses)
