"""Measuring seconds per optimizer step during a Trainer run."""

from __future__ import annotations

import time
from statistics import median
from typing import Any

from transformers import TrainerCallback


class StepTimer(TrainerCallback):
    """Records the wall time of every optimizer step."""

    def __init__(self) -> None:
        self.durations: list[float] = []
        self._started: float | None = None

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """Start timing a step."""
        self._started = time.perf_counter()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """Stop timing a step."""
        if self._started is not None:
            self.durations.append(time.perf_counter() - self._started)
            self._started = None

    def seconds_per_step(self) -> float:
        """Median step time (robust to a slow first step and to other jobs on the machine); 0 if none ran."""
        return round(median(self.durations), 3) if self.durations else 0.0
