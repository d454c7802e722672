"""A Markdown model card for a tuned adapter, from its real evaluation numbers.

It follows the model-card checklist of Mitchell et al. (2019), "Model Cards for Model Reporting":
model details, intended use, factors, metrics, evaluation data, training data, quantitative analyses,
ethical considerations, caveats and recommendations (limitations).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agents.eval.results import METRICS, GateReport
from agents.tuning.result import TrainResult

_METRIC_TEXT = {
    "domain_score": "weighted mix of correctness, ROUGE-L and abstention (what the gate compares)",
    "correctness": "held-out handbook answers that match exactly or contain every key fact",
    "key_recall": "mean share of the reference's key facts (numbers, names, channels) in the answer",
    "rouge_l": "mean ROUGE-L F1 against the reference answer",
    "groundedness": "mean support of answer sentences by the facts shown (agents.grounding)",
    "abstention": "unanswerable questions the model declined to answer",
    "false_abstention": "answerable questions the model declined to answer (lower is better)",
    "general": "everyday prompts (facts, arithmetic, short instructions) answered correctly",
}


def _value(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _metrics_table(evaluation: GateReport | Mapping[str, float]) -> list[str]:
    if isinstance(evaluation, GateReport):
        lines = [
            f"| metric | {evaluation.candidate.name} | {evaluation.current.name} | change |",
            "|---|---|---|---|",
        ]
        for metric in METRICS:
            candidate, current = getattr(evaluation.candidate, metric), getattr(evaluation.current, metric)
            lines.append(f"| {metric} | {candidate:.3f} | {current:.3f} | {evaluation.deltas[metric]:+.3f} |")
        lines += ["", f"Gate decision: **{evaluation.decision}**.", *(f"- {r}" for r in evaluation.reasons)]
        return lines
    return ["| metric | value |", "|---|---|", *(f"| {k} | {_value(v)} |" for k, v in evaluation.items())]


def _counts(evaluation: GateReport | Mapping[str, float]) -> str:
    if not isinstance(evaluation, GateReport):
        return "See the metrics below."
    counts = evaluation.candidate.counts
    return (
        f"{counts.get('answerable', 0)} held-out handbook questions (never trained on), "
        f"{counts.get('unanswerable', 0)} questions the facts do not answer, and "
        f"{counts.get('general', 0)} everyday general-capability prompts."
    )


def _training(training: TrainResult | Mapping[str, Any] | None, datasheet: Mapping[str, Any] | None) -> list[str]:
    data = training.as_json() if isinstance(training, TrainResult) else dict(training or {})
    lines = []
    if data:
        lines.append(
            f"- Method: {data.get('method', 'n/a')} with LoRA on {data.get('device', 'n/a')} "
            f"(QLoRA: {data.get('qlora', 'n/a')}), {data.get('steps', 'n/a')} steps, seed {data.get('seed', 'n/a')}, "
            f"{data.get('examples', 'n/a')} examples from `{Path(str(data.get('dataset') or 'n/a')).name}`."
        )
        params = data.get("hyperparameters") or {}
        lines.append("- Hyper-parameters: " + ", ".join(f"{k}={v}" for k, v in params.items()))
    if datasheet:
        counts, dates = datasheet.get("counts", {}), datasheet.get("date_range", {})
        start, end = dates.get("start") or "n/a", dates.get("end") or "n/a"
        lines.append(
            f"- Dataset {datasheet.get('version') or ''}: {counts.get('pairs', 0)} preference pairs "
            f"{counts.get('pairs_by_source', {})}, {counts.get('sft_examples', 0)} SFT examples "
            f"{counts.get('sft_by_source', {})}, feedback from {start} to {end}."
        )
        lines.append(f"- Filters applied: {datasheet.get('filters', {})}")
    return lines or ["- Not recorded."]


def render_model_card(
    evaluation: GateReport | Mapping[str, float],
    adapter: Mapping[str, Any],
    datasheet: Mapping[str, Any] | None = None,
    training: TrainResult | Mapping[str, Any] | None = None,
) -> str:
    """The model card as Markdown.

    ``adapter`` holds at least ``name`` and ``base_model`` (and optionally ``created_at``, ``path``);
    ``evaluation`` is the gate's report (candidate against the current model) or plain metric values.
    """
    name, base = adapter.get("name", "unnamed adapter"), adapter.get("base_model", "the local base model")
    sections = [
        f"# Model card: {name}",
        "",
        "## Model details",
        f"- A LoRA adapter for {base}, trained with Steward's LoRA tuning (TRL + peft).",
        f"- Created: {adapter.get('created_at', 'n/a')}; files: {adapter.get('path', 'n/a')}.",
        "",
        "## Intended use",
        "- Answering employees' questions from the numbered facts Steward retrieves from the team's own "
        "documents, in one short sentence with citations, inside Slack or Discord.",
        "- Out of scope: answering without retrieved facts, medical, legal or financial advice, decisions "
        "about people, and any language or domain the evaluation did not cover.",
        "",
        "## Factors",
        "- Evaluated per question type: answerable handbook questions, unanswerable questions, general prompts.",
        "",
        "## Metrics",
        *(f"- `{metric}`: {text}." for metric, text in _METRIC_TEXT.items()),
        "",
        "## Evaluation data",
        f"- {_counts(evaluation)}",
        "- The handbook QA set is split by a hash of each question; the adapter never saw the held-out part.",
        "",
        "## Training data",
        *_training(training, datasheet),
        "",
        "## Quantitative analyses",
        *_metrics_table(evaluation),
        "",
        "## Ethical considerations",
        "- Training data are users' questions, answers they rated and admins' corrections. They are "
        "PII-redacted before export; feedback reflects the views of the people who chose to vote.",
        "- A tuned model can state wrong policy with confidence: Steward checks every answer's groundedness "
        "and falls back to quoting the documents, and the gate refuses adapters that lose groundedness.",
        "",
        "## Caveats and recommendations",
        "- A 135M-parameter local model stays weak at grounded QA; small evaluation sets give coarse numbers "
        "(one question moves a rate by several points).",
        "- Re-run the gate after documents change, roll out through the canary, and keep the previous adapter "
        "ready for rollback.",
        "",
    ]
    return "\n".join(sections)
