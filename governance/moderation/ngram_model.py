"""A TF-IDF n-gram logistic regression scored with numpy alone (no scikit-learn, no pickle).

The artifact is an ``.npz`` written by ``train_injection``: the vocabulary (UTF-8, one term a line),
IDF weights, coefficients, intercept, the n-gram spec and the thresholds chosen on validation data.
Scoring reproduces scikit-learn's ``TfidfVectorizer(sublinear_tf=True, norm="l2")`` followed by
``LogisticRegression.predict_proba``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from governance.moderation.features import NgramSpec

INJECTION_MODEL = "injection.npz"


@dataclass(frozen=True, eq=False)
class NgramLogisticModel:
    """Scores text in [0, 1]; higher means more likely to be a prompt injection."""

    spec: NgramSpec
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    strict_threshold: float
    metadata: dict[str, Any]

    @classmethod
    def load(cls, path: Path | None = None) -> NgramLogisticModel:
        """Read an artifact; the default is the model bundled in ``governance/moderation/data``."""
        if path is None:
            with resources.as_file(resources.files("governance.moderation") / "data" / INJECTION_MODEL) as bundled:
                return cls.load(bundled)
        with np.load(path, allow_pickle=False) as data:
            terms = data["terms"].tobytes().decode("utf-8").split("\n")
            meta = json.loads(data["metadata"].tobytes().decode("utf-8"))
            return cls(
                spec=NgramSpec(**meta["spec"]),
                vocabulary={term: index for index, term in enumerate(terms)},
                idf=data["idf"].astype(np.float64),
                coef=data["coef"].astype(np.float64),
                intercept=float(meta["intercept"]),
                threshold=float(meta["threshold"]),
                strict_threshold=float(meta["strict_threshold"]),
                metadata=meta,
            )

    def score(self, text: str) -> float:
        """Probability that ``text`` (one window) is an injection."""
        lookup = self.vocabulary.get
        hits = [index for index in map(lookup, self.spec.terms(text)) if index is not None]
        if not hits:
            return _sigmoid(self.intercept)
        ids, counts = np.unique(np.asarray(hits, dtype=np.int64), return_counts=True)
        weights = (1.0 + np.log(counts)) * self.idf[ids]
        norm = math.sqrt(float(weights @ weights))
        return _sigmoid(float(weights @ self.coef[ids]) / norm + self.intercept)


def save_model(path: Path, terms: list[str], idf: np.ndarray, coef: np.ndarray, metadata: dict[str, Any]) -> None:
    """Write an artifact ``NgramLogisticModel.load`` reads (weights as float32, compressed)."""
    if any("\n" in term for term in terms):
        raise ValueError("a vocabulary term contains a newline")
    np.savez_compressed(
        path,
        terms=np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8),
        idf=idf.astype(np.float32),
        coef=coef.astype(np.float32),
        metadata=np.frombuffer(json.dumps(metadata, sort_keys=True).encode("utf-8"), dtype=np.uint8),
    )


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)
