"""What the gate measures for one model, and what it decides for a candidate against the current model."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Decision = Literal["promote", "refuse"]
METRICS = (
    "domain_score",
    "correctness",
    "key_recall",
    "rouge_l",
    "groundedness",
    "abstention",
    "false_abstention",
    "general",
)


@dataclass(frozen=True)
class ModelScores:
    """One model's scores (each 0..1) on the held-out domain set and the general-capability set.

    * ``correctness``: answerable questions answered exactly or with every key fact;
    * ``key_recall``: mean share of key facts present; ``rouge_l``: mean ROUGE-L F1 against the reference;
    * ``groundedness``: mean ``agents.grounding.groundedness`` of answers in the facts shown;
    * ``abstention``: unanswerable questions declined; ``false_abstention``: answerable ones declined;
    * ``general``: everyday prompts answered correctly;
    * ``domain_score``: the weighted mix of correctness, ROUGE-L and abstention the gate compares.
    """

    name: str
    domain_score: float
    correctness: float
    key_recall: float
    rouge_l: float
    groundedness: float
    abstention: float
    false_abstention: float
    general: float
    counts: dict[str, int]
    answers: list[dict[str, Any]] = field(default_factory=list, compare=False)

    def metrics(self) -> dict[str, float]:
        """The numeric scores by name."""
        return {name: float(getattr(self, name)) for name in METRICS}

    def as_json(self, with_answers: bool = False) -> dict[str, Any]:
        """JSON-ready form (the per-item answers only when asked)."""
        data = asdict(self)
        if not with_answers:
            data.pop("answers")
        return data


@dataclass(frozen=True)
class GateReport:
    """The candidate's and the current model's scores, their differences, and the decision with its reasons."""

    candidate: ModelScores
    current: ModelScores
    deltas: dict[str, float]
    decision: Decision
    reasons: list[str]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def promoted(self) -> bool:
        """Whether the candidate may replace the current model."""
        return self.decision == "promote"

    def as_json(self, with_answers: bool = False) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "candidate": self.candidate.as_json(with_answers),
            "current": self.current.as_json(with_answers),
            "deltas": dict(self.deltas),
            "decision": self.decision,
            "reasons": list(self.reasons),
            "settings": dict(self.settings),
        }
