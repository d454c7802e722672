"""The learning loop's model side as one service: tune on a dataset version, gate, promote, model card.

``Tuning.train`` fits a LoRA adapter on a snapshot from ``Learning.snapshot`` and registers it with
what the run was (``tuning_runs`` + the adapter's metrics). ``Tuning.evaluate`` scores the candidate and
the adapter that serves now on the held-out domain set and the general set (one loaded base model, an
``AdapterSwitch`` pointing it at each adapter in turn) and keeps the report on the candidate.
``Tuning.promote`` activates a candidate only when a report against the adapter that serves now says so.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import text

from agents.config import LLMSettings
from agents.eval.answerers import Answerer, batched_answerer
from agents.eval.domain import load_domain_items, split_items
from agents.eval.gate import run_gate
from agents.eval.general import load_general_items
from agents.eval.results import GateReport, ModelScores
from agents.eval.switch import AdapterSwitch
from agents.models.adapters import AdapterError, AdapterInfo, AdapterRegistry
from agents.models.factory import make_chat_model, resolve_local_dir
from agents.models.local import TransformersChatModel
from agents.models.peft_slot import AdapterSlot
from agents.tuning.config import GateSettings, TuneSettings
from agents.tuning.model_card import render_model_card
from agents.tuning.result import TrainResult, TuneError
from bot.admin import BASE, Admin
from bot.db.database import Database
from bot.learning import Learning
from governance.policy.rbac import Subject

Method = Literal["sft", "dpo"]
SAMPLES = Path(__file__).parent / "samples"


def default_name(method: str, version: str) -> str:
    """``sft-20261128t203000z``: the method and the dataset version, as a valid adapter name."""
    return re.sub(r"[^a-z0-9._-]", "-", f"{method}-{version}".lower())[:64]


def report_from_json(data: dict[str, Any]) -> GateReport:
    """Rebuild a stored gate report (without per-item answers)."""
    scores = [
        ModelScores(**{k: v for k, v in data[side].items() if k != "answers"}) for side in ("candidate", "current")
    ]
    return GateReport(scores[0], scores[1], data["deltas"], data["decision"], data["reasons"], data.get("settings", {}))


class Tuning:
    """Train, evaluate, promote and describe adapters; built by the composition root."""

    def __init__(
        self,
        database: Database,
        learning: Learning,
        adapters: AdapterRegistry,
        admin: Admin,
        settings: tuple[TuneSettings, GateSettings, LLMSettings],
        data_dir: Path,
        make_answerer: Callable[[], tuple[Answerer, AdapterSwitch]],
    ) -> None:
        self._database = database
        self._learning = learning
        self._adapters = adapters
        self._admin = admin
        self._tune, self._gate, self._llm = settings
        self._data_dir = data_dir
        self._make_answerer = make_answerer

    # --- training ---------------------------------------------------------------------------------------

    def train(self, method: Method, version: str, name: str | None = None, progress: bool = True) -> AdapterInfo:
        """Fit an adapter on dataset ``version`` and register it (inactive) with the run's record."""
        name = name or default_name(method, version)
        dataset = self._learning.dataset(version) / f"{method}.jsonl"
        if not dataset.is_file() or not dataset.read_text(encoding="utf-8").strip():
            kind = "preference pairs" if method == "dpo" else "SFT examples"
            raise TuneError(f"dataset {version} has no {kind} ({dataset.name} is empty): collect more feedback first")
        if (self._data_dir / "adapters" / name).exists():
            raise AdapterError(f"an adapter named {name!r} already exists: pass another --name")
        from agents.tuning.train import train_dpo, train_sft  # TRL/peft take seconds to import: only here

        run_id = self._start_run(method, version)
        out = self._data_dir / "training" / f"{name}-{run_id.hex[:8]}"
        fit = train_sft if method == "sft" else train_dpo
        try:
            result = fit(dataset, resolve_local_dir(self._llm, self._data_dir), out, self._tune, progress)
            info = self._adapters.register(name, out, {"training": {**result.as_json(), "dataset_version": version}})
        except Exception as exc:
            self._fail_run(run_id, exc)  # the run row says how it ended, never left half-written
            raise
        self._finish_run(run_id, name, result)
        return info

    def _start_run(self, method: str, version: str) -> uuid.UUID:
        run_id = uuid.uuid4()
        params = self._tune.model_dump(mode="json", exclude={"mlflow_tracking_uri"})
        with self._database.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO tuning_runs (id, kind, dataset_version, seed, hyperparameters) "
                    "VALUES (:i, :k, :v, :s, CAST(:h AS jsonb))"
                ),
                {"i": run_id, "k": method, "v": version, "s": self._tune.seed, "h": json.dumps(params)},
            )
        return run_id

    def _fail_run(self, run_id: uuid.UUID, error: Exception) -> None:
        with self._database.engine.begin() as conn:
            conn.execute(
                text("UPDATE tuning_runs SET finished_at = now(), metrics = CAST(:m AS jsonb) WHERE id = :i"),
                {"m": json.dumps({"error": f"{type(error).__name__}: {error}"}), "i": run_id},
            )

    def _finish_run(self, run_id: uuid.UUID, adapter: str, result: TrainResult) -> None:
        data = result.as_json()
        metrics = {**data["metrics"], "seconds_per_step": data["seconds_per_step"], "steps": data["steps"]}
        with self._database.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE tuning_runs SET adapter = :a, finished_at = now(), metrics = CAST(:m AS jsonb), "
                    "hyperparameters = CAST(:h AS jsonb) WHERE id = :i"
                ),
                {"a": adapter, "m": json.dumps(metrics), "h": json.dumps(data["hyperparameters"]), "i": run_id},
            )

    def runs(self) -> list[dict[str, Any]]:
        """Every tuning run, newest first."""
        with self._database.engine.begin() as conn:
            rows = conn.execute(text("SELECT * FROM tuning_runs ORDER BY started_at DESC")).mappings().all()
        return [dict(r) for r in rows]

    # --- the gate ----------------------------------------------------------------------------------------

    def _items(self) -> tuple[list[Any], list[Any]]:
        g = self._gate
        items = load_domain_items(
            g.qa_file or SAMPLES / "handbook_qa.jsonl",
            g.documents_dir or SAMPLES / "handbook",
            g.unanswerable_file or SAMPLES / "unanswerable.txt",
        )
        return split_items(items, g.holdout_percent)[1], load_general_items()

    def evaluate(self, candidate: str, against: str | None = None) -> GateReport:
        """Score ``candidate`` against ``against`` (default: the adapter that serves now, or the base model)."""
        info = self._adapters.get(candidate)
        current = self._adapters.get(against) if against and against != BASE else None
        if against is None:
            current = self._adapters.active()
        if current is not None and current.name == info.name:
            raise AdapterError(f"{candidate} is the adapter that serves now: evaluate another one against it")
        held_out, general = self._items()
        answer, switch = self._make_answerer()
        report = run_gate(
            switch.answerer(answer, info.name, info.path),
            switch.answerer(answer, current.name, current.path) if current else switch.answerer(answer, None),
            held_out,
            general,
            self._gate,
            names=(info.name, current.name if current else BASE),
        )
        self.keep_report(info.name, report)
        return report

    def keep_report(self, name: str, report: GateReport) -> None:
        """Store ``report`` on adapter ``name`` (replacing its last one), stamped with the serving quantization."""
        gate = {**report.as_json(), "quantization": self._llm.quantization, "evaluated_at": _now()}
        self._adapters.add_metrics(name, {"gate": gate})

    def promote(self, who: Subject, candidate: str) -> GateReport:
        """Activate ``candidate`` if the gate, run against the adapter that serves now, promotes it.

        Policy is checked first (the gate takes minutes). A stored report against the serving adapter is
        reused; otherwise the gate runs first. Promotion and refusal are both audited (``Admin.promote_adapter``).
        """
        self._admin.authorize_adapters(who)
        report = self.current_report(candidate) or self.evaluate(candidate)
        self._admin.promote_adapter(who, candidate, report)
        return report

    def current_report(self, name: str) -> GateReport | None:
        """The gate report stored on ``name`` if it was made against the adapter that serves now."""
        report = self.stored_report(name)
        return report if report is not None and report.current.name == self._admin.serving() else None

    def stored_report(self, name: str) -> GateReport | None:
        """The last gate report kept on adapter ``name``, if it was evaluated."""
        gate = self._adapters.get(name).metrics.get("gate")
        return report_from_json(gate) if gate else None

    # --- the model card ----------------------------------------------------------------------------------

    def model_card(self, name: str | None = None) -> str:
        """Markdown for ``name`` (default: the active adapter) from its stored gate report and training run."""
        info = self._adapters.get(name) if name else self._adapters.active()
        if info is None:
            raise AdapterError("no adapter is active: pass --adapter NAME, or promote one first")
        report = self.stored_report(info.name)
        if report is None:
            raise AdapterError(f"{info.name} has no evaluation yet: run `steward adapters eval {info.name}`")
        training = info.metrics.get("training") or {}
        card = render_model_card(
            report,
            {
                "name": info.name,
                "base_model": info.base_model,
                "created_at": f"{info.created_at:%Y-%m-%d %H:%M %Z}",
                "path": info.path,
            },
            self._datasheet(training.get("dataset_version")),
            training,
        )
        gate = info.metrics["gate"]
        return card + f"\nEvaluated {gate.get('evaluated_at', 'n/a')} with quantization `{gate.get('quantization')}`.\n"

    def _datasheet(self, version: str | None) -> dict[str, Any] | None:
        if not version:
            return None
        with self._database.engine.begin() as conn:
            sheet = conn.execute(text("SELECT datasheet FROM datasets WHERE version = :v"), {"v": version}).scalar()
        return dict(sheet) if sheet else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def gate_answerer(
    llm: LLMSettings, gate: GateSettings, data_dir: Path, base_model: str
) -> tuple[Answerer, AdapterSwitch]:
    """A second copy of the local model (serving quantization) behind an ``AdapterSwitch``, batched and greedy."""
    switch = AdapterSwitch(base_model)
    model = make_chat_model(llm, data_dir, AdapterSlot(switch))
    if not isinstance(model, TransformersChatModel):
        raise TuneError("the gate needs the transformers backend (STEWARD_LLM_MODE=transformers)")
    return batched_answerer(model, gate.batch_size, gate.max_new_tokens), switch
