"""A calibrated TF-IDF word model scored with numpy alone (no scikit-learn, no pickle).

It holds the weights of alt-profanity-check 1.9.1 (MIT; trained on toxic Wikipedia comments and
tweets), converted by ``export_toxicity``: a word TF-IDF, five linear SVMs and the sigmoid that
calibrates each; the probability is the mean of the five. This reproduces the library's
``predict_prob`` without importing it (it unpickles its model and pins scikit-learn exactly).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

TOXICITY_MODEL = "toxicity.npz"
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


@dataclass(frozen=True, eq=False)
class CalibratedWordModel:
    """Scores text in [0, 1]; higher means more likely to be profane or insulting."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    slope: np.ndarray
    offset: np.ndarray
    metadata: dict[str, Any]

    @classmethod
    def load(cls, path: Path | None = None) -> CalibratedWordModel:
        """Read an artifact; the default is the model bundled in ``governance/moderation/data``."""
        if path is None:
            with resources.as_file(resources.files("governance.moderation") / "data" / TOXICITY_MODEL) as bundled:
                return cls.load(bundled)
        with np.load(path, allow_pickle=False) as data:
            terms = data["terms"].tobytes().decode("utf-8").split("\n")
            return cls(
                vocabulary={term: index for index, term in enumerate(terms)},
                idf=data["idf"].astype(np.float64),
                coef=data["coef"].astype(np.float64),
                intercept=data["intercept"].astype(np.float64),
                slope=data["slope"].astype(np.float64),
                offset=data["offset"].astype(np.float64),
                metadata=json.loads(data["metadata"].tobytes().decode("utf-8")),
            )

    def score(self, text: str) -> float:
        """Probability that ``text`` is offensive."""
        lookup = self.vocabulary.get
        hits = [index for index in map(lookup, _TOKEN.findall(text.lower())) if index is not None]
        if hits:
            ids, counts = np.unique(np.asarray(hits, dtype=np.int64), return_counts=True)
            weights = counts * self.idf[ids]
            weights /= math.sqrt(float(weights @ weights))
            decision = self.coef[:, ids] @ weights + self.intercept
        else:
            decision = self.intercept
        return float(np.mean(1.0 / (1.0 + np.exp(self.slope * decision + self.offset))))


def save_word_model(path: Path, terms: list[str], arrays: dict[str, np.ndarray], metadata: dict[str, Any]) -> None:
    """Write an artifact ``CalibratedWordModel.load`` reads: idf, coef, intercept, slope and offset arrays."""
    payload: dict[str, Any] = {name: array.astype(np.float32) for name, array in arrays.items()}
    payload["terms"] = np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)
    payload["metadata"] = np.frombuffer(json.dumps(metadata, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(path, **payload)
