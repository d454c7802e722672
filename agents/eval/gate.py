"""The evaluation gate: score a candidate adapter against the current model and decide whether to promote it.

Both models answer the same held-out domain questions (with the production prompt, ``ANSWER_PROMPT``,
and the facts of each item), some unanswerable ones, and the general-capability prompts. The candidate
is promoted only when its domain score beats the current one by ``GateSettings.margin`` and neither its
groundedness nor its general capability drops by more than the allowed regression.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean
from typing import Any, TypeVar

from langchain_core.messages import BaseMessage, HumanMessage

from agents.eval.answerers import Answerer, answer_all
from agents.eval.items import DomainItem, GeneralItem
from agents.eval.results import METRICS, Decision, GateReport, ModelScores
from agents.eval.scoring import abstains, contains_any, is_correct, key_fact_recall, rouge_l
from agents.grounding import groundedness
from agents.prompts import ANSWER_PROMPT, format_facts
from agents.tuning.config import GateSettings

T = TypeVar("T")


def sample(items: Sequence[T], limit: int) -> list[T]:
    """The first ``limit`` items (all when ``limit`` is 0): a fixed sample, the same for both models."""
    return list(items[:limit] if limit else items)


def domain_chat(item: DomainItem) -> list[BaseMessage]:
    """The production prompt for a domain item: the system prompt, the numbered facts, the question."""
    return ANSWER_PROMPT.format_messages(facts=format_facts(list(enumerate(item.facts, 1))), question=item.question)


def general_chat(item: GeneralItem) -> list[BaseMessage]:
    """An everyday prompt as a single user message."""
    return [HumanMessage(item.prompt)]


def _mean(values: list[float]) -> float:
    return round(fmean(values), 4) if values else 0.0


def _domain_rows(items: list[DomainItem], answers: list[str]) -> list[dict[str, Any]]:
    rows = []
    for item, answer in zip(items, answers, strict=True):
        row: dict[str, Any] = {"kind": "domain", "question": item.question, "answer": answer}
        row["abstained"] = abstains(answer)
        if item.answerable:
            row["correct"] = is_correct(answer, item.reference, item.key_facts or None)
            row["key_recall"] = key_fact_recall(answer, item.key_facts)
            row["rouge_l"] = rouge_l(answer, item.reference)
            row["groundedness"] = groundedness(answer, list(item.facts))
        rows.append(row)
    return rows


def _general_rows(items: list[GeneralItem], answers: list[str]) -> list[dict[str, Any]]:
    return [
        {"kind": "general", "question": i.prompt, "answer": a, "correct": contains_any(a, i.accepted)}
        for i, a in zip(items, answers, strict=True)
    ]


def _domain_score(
    correctness: float, rouge: float, abstention: float, has_unanswerable: bool, s: GateSettings
) -> float:
    parts = [(s.weight_correctness, correctness), (s.weight_rouge, rouge)]
    if has_unanswerable:
        parts.append((s.weight_abstention, abstention))
    total = sum(w for w, _ in parts)
    return round(sum(w * v for w, v in parts) / total, 4) if total else 0.0


def score_model(
    name: str,
    answer: Answerer,
    domain: Sequence[DomainItem],
    general: Sequence[GeneralItem],
    settings: GateSettings,
) -> ModelScores:
    """Ask ``answer`` every sampled item and score the answers (see ``ModelScores``)."""
    answerable = sample([i for i in domain if i.answerable], settings.domain_sample)
    unanswerable = sample([i for i in domain if not i.answerable], settings.unanswerable_sample)
    everyday = sample(list(general), settings.general_sample)
    domain_items = answerable + unanswerable
    chats = [domain_chat(i) for i in domain_items] + [general_chat(i) for i in everyday]
    answers = answer_all(answer, chats)
    domain_rows = _domain_rows(domain_items, answers[: len(domain_items)])
    general_rows = _general_rows(everyday, answers[len(domain_items) :])
    known, unknown = domain_rows[: len(answerable)], domain_rows[len(answerable) :]
    correctness = _mean([float(r["correct"]) for r in known])
    rouge = _mean([r["rouge_l"] for r in known])
    abstention = _mean([float(r["abstained"]) for r in unknown])
    return ModelScores(
        name=name,
        domain_score=_domain_score(correctness, rouge, abstention, bool(unknown), settings),
        correctness=correctness,
        key_recall=_mean([r["key_recall"] for r in known]),
        rouge_l=rouge,
        groundedness=_mean([r["groundedness"] for r in known]),
        abstention=abstention,
        false_abstention=_mean([float(r["abstained"]) for r in known]),
        general=_mean([float(r["correct"]) for r in general_rows]),
        counts={"answerable": len(known), "unanswerable": len(unknown), "general": len(general_rows)},
        answers=domain_rows + general_rows,
    )


def _reasons(deltas: dict[str, float], settings: GateSettings) -> tuple[Decision, list[str]]:
    refusals, notes = [], []
    gain = deltas["domain_score"]
    if gain >= settings.margin:
        notes.append(f"domain score +{gain:.3f} meets the margin {settings.margin:.3f}")
    else:
        refusals.append(f"domain score {gain:+.3f} is below the margin {settings.margin:.3f}")
    if -deltas["groundedness"] > settings.max_groundedness_regression:
        refusals.append(
            f"groundedness {deltas['groundedness']:+.3f} regresses more than {settings.max_groundedness_regression:.3f}"
        )
    if -deltas["general"] > settings.max_general_regression:
        refusals.append(
            f"general capability {deltas['general']:+.3f} regresses more than {settings.max_general_regression:.3f}"
        )
    if refusals:
        return "refuse", refusals
    return "promote", [*notes, "no regression in groundedness or general capability beyond the limits"]


def decide(candidate: ModelScores, current: ModelScores, settings: GateSettings) -> GateReport:
    """Compare two models' scores: promote only a clear win without regressions."""
    if candidate.counts != current.counts:
        raise ValueError(f"the models were scored on different samples: {candidate.counts} vs {current.counts}")
    deltas = {m: round(getattr(candidate, m) - getattr(current, m), 4) for m in METRICS}
    decision, reasons = _reasons(deltas, settings)
    return GateReport(candidate, current, deltas, decision, reasons, settings.model_dump())


def run_gate(
    candidate: Answerer,
    current: Answerer | ModelScores,
    domain: Sequence[DomainItem],
    general: Sequence[GeneralItem],
    settings: GateSettings,
    names: tuple[str, str] = ("candidate", "current"),
) -> GateReport:
    """Score the candidate (and the current model, unless its scores are passed in) and decide."""
    if not isinstance(current, ModelScores):
        current = score_model(names[1], current, domain, general, settings)
    scored = score_model(names[0], candidate, domain, general, settings)
    return decide(scored, current, settings)
