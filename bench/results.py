"""Everything one run measured, and the formatting of single figures."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.answers import AnswerRecord
from bench.dataset import QA
from bench.harness import IngestResult
from bench.machine import Machine
from bench.retrieval import SideResult


@dataclass
class RunResults:
    """Raw results of one benchmark run."""

    quick: bool
    qas: list[QA]
    ingest: IngestResult
    model_load_s: float
    retrieval: dict[str, SideResult]
    ours: list[AnswerRecord]
    peer: list[AnswerRecord]
    unanswerable: list[AnswerRecord]
    machine: Machine
    model: str
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float]
    runtime_s: float


def pct(value: float) -> str:
    """A share as a percentage."""
    return "n/a" if math.isnan(value) else f"{value * 100:.1f}%"


def num(value: float, digits: int = 3) -> str:
    """A plain figure."""
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def ms(value: float) -> str:
    """Milliseconds, with sensible precision."""
    if math.isnan(value):
        return "n/a"
    return f"{value:.2f} ms" if value < 100 else f"{value:,.0f} ms"


def times(value: float) -> str:
    """A ratio, ``ours / peer``."""
    if math.isnan(value):
        return "n/a"
    return "inf" if math.isinf(value) else f"{value:.2f}x"


def loads(values: tuple[float, float, float]) -> str:
    """Load averages as ``1m / 5m / 15m``."""
    return " / ".join(f"{v:.2f}" for v in values)
