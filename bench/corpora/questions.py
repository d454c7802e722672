"""The Debian Reference question sets: dev (for tuning) and test (frozen, checked against ``SHA256SUMS``).

Each JSONL line is ``{"question", "expected_source", "sources", "answer", "facts"}``: ``sources`` are the page
file names that answer the question (``expected_source`` first), ``answer`` is a reference answer written from
the page, and ``facts`` are the short strings a correct answer must contain (matched as ``agents.eval.scoring``
matches key facts: case-insensitively at the start of a word, numbers as whole numbers, ``six`` = ``6``).
The questions were written by reading the pages and asking the way people ask in chat, not by copying headings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent / "debian_reference"
SPLITS = ("dev", "test")
SUMS = HERE / "SHA256SUMS"


class QuestionFileError(ValueError):
    """A question file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class CorpusQuestion:
    """One answerable question about the corpus."""

    question: str
    expected_source: str
    sources: tuple[str, ...]
    answer: str
    facts: tuple[str, ...]


def _row(line: str, where: str) -> CorpusQuestion:
    try:
        data = json.loads(line)
        row = CorpusQuestion(
            question=str(data["question"]),
            expected_source=str(data["expected_source"]),
            sources=tuple(str(s) for s in data["sources"]),
            answer=str(data["answer"]),
            facts=tuple(str(f) for f in data["facts"]),
        )
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise QuestionFileError(f"{where}: {exc}") from exc
    if not row.question.strip() or not row.facts or row.expected_source not in row.sources:
        raise QuestionFileError(f"{where}: needs a question, facts, and expected_source among sources")
    return row


def questions_file(split: str) -> Path:
    """The JSONL file of a split (``dev`` or ``test``)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    return HERE / f"questions_{split}.jsonl"


def unanswerable_file(split: str) -> Path:
    """The questions of a split the corpus cannot answer, one a line."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    return HERE / f"unanswerable_{split}.txt"


def read_questions(path: Path) -> list[CorpusQuestion]:
    """The answerable questions in ``path``; a malformed line raises ``QuestionFileError``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [_row(line, f"{path.name}:{n}") for n, line in enumerate(lines, 1) if line.strip()]


def load_questions(split: str) -> list[CorpusQuestion]:
    """The answerable questions of ``split``."""
    return read_questions(questions_file(split))


def load_unanswerable(split: str) -> list[str]:
    """The unanswerable questions of ``split``."""
    lines = unanswerable_file(split).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]


def frozen_digests() -> dict[str, str]:
    """``{file name: sha256}`` as committed in ``SHA256SUMS`` (the frozen test split)."""
    lines = SUMS.read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split() for line in lines if line.strip())}


def current_digests() -> dict[str, str]:
    """``{file name: sha256}`` of the test split files as they are now."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (questions_file("test"), unanswerable_file("test"))
    }
