"""What a tuning run produced."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


class TuneError(ValueError):
    """A dataset cannot be trained on; the message says why."""


@dataclass(frozen=True)
class TrainResult:
    """A finished run: the PEFT adapter directory, its metrics, timing, and everything needed to repeat it."""

    adapter_dir: Path
    metrics: dict[str, float]
    seconds_per_step: float
    steps: int
    seed: int
    hyperparameters: dict[str, Any]
    method: str = "sft"
    device: str = "cpu"
    qlora: bool = False
    examples: int = 0
    dataset: str = ""

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form (also written as ``steward_training.json`` in the adapter directory)."""
        return {
            "adapter_dir": str(self.adapter_dir),
            "method": self.method,
            "device": self.device,
            "qlora": self.qlora,
            "dataset": self.dataset,
            "examples": self.examples,
            "steps": self.steps,
            "seed": self.seed,
            "seconds_per_step": self.seconds_per_step,
            "metrics": dict(self.metrics),
            "hyperparameters": dict(self.hyperparameters),
        }
