"""Optional MLflow logging of a finished run: only when mlflow is installed and a tracking URI is set."""

from __future__ import annotations

import importlib.util
from typing import Any

import structlog

from agents.tuning.config import TuneSettings
from agents.tuning.result import TrainResult

log = structlog.stdlib.get_logger(__name__)


def mlflow_enabled(settings: TuneSettings) -> bool:
    """A tracking URI is configured and the mlflow package is importable."""
    return bool(settings.mlflow_tracking_uri) and importlib.util.find_spec("mlflow") is not None


def _params(result: TrainResult) -> dict[str, Any]:
    params = {k: (",".join(v) if isinstance(v, list) else v) for k, v in result.hyperparameters.items()}
    return {**params, "method": result.method, "device": result.device, "qlora": result.qlora, "seed": result.seed}


def log_to_mlflow(result: TrainResult, settings: TuneSettings, run_name: str | None = None) -> str | None:
    """Log parameters, metrics and timing of ``result``; returns the MLflow run id, or None when off."""
    if not mlflow_enabled(settings):
        return None
    import mlflow

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_experiment(settings.mlflow_experiment)
    with mlflow.start_run(run_name=run_name or result.adapter_dir.name) as run:
        mlflow.log_params(_params(result))
        mlflow.log_metrics({**result.metrics, "seconds_per_step": result.seconds_per_step, "steps": result.steps})
        mlflow.set_tag("dataset", result.dataset)
        log.info("tune.mlflow_logged", run_id=run.info.run_id)
        return str(run.info.run_id)
