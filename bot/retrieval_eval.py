"""The nightly retrieval-eval regression job: recall@k on a QA set, stored in ``retrieval_evals``.

It runs the same evaluation as ``steward eval retrieval`` (document-level recall@k and MRR) against the
default tenant. A recall@5 below the gate marks the run as a regression: the row says ``passed = false``
and ``steward_retrieval_eval_regression`` turns 1 (alert on it). It skips, with a reason, when the tenant
has no documents, or none of the QA set's sources, since a score there would be meaningless.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text

from agents.agent import AnswerAgent
from agents.eval.retrieval import QAItem, evaluate, load_qa, matches
from agents.retrieval.store import Scope
from bot.db.database import Database
from bot.metrics import EvalSnapshot, Metrics
from bot.scheduler import Skipped

BUNDLED_QA = Path(__file__).resolve().parent / "samples" / "handbook_qa.jsonl"
KS = (1, 5, 10)
GATE_K = 5


class RetrievalEval:
    """Evaluate retrieval for ``tenant`` on a QA set and record the result."""

    def __init__(
        self,
        database: Database,
        agent: AnswerAgent,
        metrics: Metrics,
        tenant: str,
        qa: Path | None,
        min_recall: float,
    ) -> None:
        self._database = database
        self._agent = agent
        self._metrics = metrics
        self._tenant = tenant
        self._qa = qa or BUNDLED_QA
        self._min_recall = min_recall

    def _sources(self) -> list[str]:
        with self._database.tenant_connection(self._tenant) as conn:
            return list(
                conn.execute(text("SELECT source FROM documents WHERE tenant_id = :t"), {"t": self._tenant}).scalars()
            )

    def _skip_reason(self, items: list[QAItem]) -> str | None:
        sources = self._sources()
        if not sources:
            return f"tenant {self._tenant!r} has no documents"
        if not any(matches(s, item.expected_source) for item in items for s in sources):
            return f"none of the {len(items)} questions' sources in {self._qa.name} are ingested for {self._tenant!r}"
        return None

    def _retrieve(self, question: str) -> list[str]:
        documents = self._agent.retrieve(question, Scope(self._tenant, ()), max(KS)).documents
        return [d.metadata["source"] for d in documents]

    def __call__(self) -> dict[str, Any] | Skipped:
        """Run the evaluation; store and return its figures (or why it was skipped)."""
        items = load_qa(self._qa)
        reason = self._skip_reason(items)
        if reason is not None:
            return Skipped(reason)
        report = evaluate(items, self._retrieve, list(KS))
        passed = report.recall[GATE_K] >= self._min_recall
        figures = {**report.as_json(), "qa": str(self._qa), "gate": {"k": GATE_K, "min_recall": self._min_recall}}
        with self._database.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO retrieval_evals (tenant_id, metrics, passed) VALUES (:t, CAST(:m AS jsonb), :p)"),
                {"t": self._tenant, "m": json.dumps(figures), "p": passed},
            )
        if self._metrics.latest_eval is not None:
            self._metrics.latest_eval.invalidate()
        return {"tenant": self._tenant, "recall": figures["recall"], "mrr": report.mrr, "passed": passed}


def latest_eval(database: Database) -> EvalSnapshot | None:
    """The most recent stored eval (any tenant), for the ``steward_retrieval_eval_*`` gauges."""
    with database.engine.connect() as conn:
        row = conn.execute(text("SELECT metrics, passed FROM retrieval_evals ORDER BY id DESC LIMIT 1")).first()
    if row is None:
        return None
    return EvalSnapshot(recall={str(k): float(v) for k, v in row.metrics["recall"].items()}, passed=bool(row.passed))
