"""The benchmark's inputs: the sample handbook, its QA set, the unanswerable questions, and where things live."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from agents.eval.scoring import key_facts
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
    """One answerable question: the file that answers it and a reference answer.

    ``facts`` are the key facts a correct answer holds; empty means "the key facts of ``answer``" (the
    handbook set). ``sources`` are every file that answers it; empty means ``expected_source`` only.
    """

    question: str
    expected_source: str
    answer: str
    facts: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def key_facts(self) -> tuple[str, ...]:
        """The facts an answer must hold: ``facts``, else those of the reference answer."""
        return self.facts or key_facts(self.answer)

    @property
    def accepted_sources(self) -> tuple[str, ...]:
        """Every file that answers the question."""
        return self.sources or (self.expected_source,)


def load_qa(quick: bool = False) -> list[QA]:
    """The handbook QA set; with ``quick``, every 4th question only."""
    rows = [json.loads(line) for line in QA_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    qas = [QA(r["question"], r["expected_source"], r["answer"]) for r in rows]
    return qas[::QUICK_STRIDE] if quick else qas


def load_unanswerable() -> list[str]:
    """Questions the handbook cannot answer, one a line."""
    lines = UNANSWERABLE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]
