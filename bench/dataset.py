"""The benchmark's inputs: the sample handbook, its QA set, the unanswerable questions, and where things live."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from agents.retrieval.store import Scope

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "bot" / "samples"
HANDBOOK = SAMPLES / "handbook"
QA_FILE = SAMPLES / "handbook_qa.jsonl"
UNANSWERABLE = SAMPLES / "unanswerable.txt"
MODEL_CACHE = REPO / ".cache" / "models" / "SmolLM2-135M-Instruct.Q4_1"
DOC_FILE = REPO / "docs" / "benchmarks.md"
TENANT = "bench"
COLLECTION = "handbook"
SCOPE = Scope(TENANT, (COLLECTION,))
QUICK_STRIDE = 4


@dataclass(frozen=True)
class QA:
    """One answerable question: the file that answers it and a reference answer."""

    question: str
    expected_source: str
    answer: str


def load_qa(quick: bool = False) -> list[QA]:
    """The handbook QA set; with ``quick``, every 4th question only."""
    rows = [json.loads(line) for line in QA_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    qas = [QA(r["question"], r["expected_source"], r["answer"]) for r in rows]
    return qas[::QUICK_STRIDE] if quick else qas


def load_unanswerable() -> list[str]:
    """Questions the handbook cannot answer, one a line."""
    lines = UNANSWERABLE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]
