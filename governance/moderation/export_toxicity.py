"""Convert alt-profanity-check's model into ``data/toxicity.npz`` (run once; the result is committed).

Run: ``pip install --no-deps --target /tmp/apc alt-profanity-check==1.9.1`` then
``PYTHONPATH=/tmp/apc python -m governance.moderation.export_toxicity``. The package is deliberately
not a dependency: it unpickles its model at import and pins scikit-learn and joblib exactly. Its
weights (MIT licence) are exported to plain arrays, and the export is checked against the library.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from governance.moderation.word_model import TOXICITY_MODEL, CalibratedWordModel, save_word_model

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / TOXICITY_MODEL
PROBES = [
    "you are a fucking idiot",
    "what is our parental leave policy?",
    "shut up you moron",
    "kill the process with kill -9",
    "I hope you die",
    "The quarterly numbers look fine to me.",
    "",
    "🙂🙂🙂",
]


def export(out: Path) -> float:
    """Write the artifact and return the largest disagreement with the library on the probe texts."""
    import profanity_check  # noqa: PLC0415 - only present when converting
    from profanity_check import profanity_check as library  # noqa: PLC0415

    vectorizer, model = library.vectorizer, library.model
    params = vectorizer.get_params()
    expected = {"ngram_range": (1, 1), "norm": "l2", "sublinear_tf": False, "use_idf": True, "lowercase": True}
    if any(params[key] != value for key, value in expected.items()) or params["token_pattern"] != r"(?u)\b\w\w+\b":  # noqa: S105
        raise SystemExit(f"unexpected vectorizer settings: {params}")
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    fitted = model.calibrated_classifiers_
    arrays = {
        "idf": vectorizer.idf_,
        "coef": np.vstack([c.estimator.coef_[0] for c in fitted]),
        "intercept": np.array([c.estimator.intercept_[0] for c in fitted]),
        "slope": np.array([c.calibrators[0].a_ for c in fitted]),
        "offset": np.array([c.calibrators[0].b_ for c in fitted]),
    }
    metadata = {"source": "alt-profanity-check 1.9.1 (MIT)", "version": getattr(profanity_check, "__version__", "")}
    save_word_model(out, terms, arrays, metadata)
    exported = CalibratedWordModel.load(out)
    reference = profanity_check.predict_prob(PROBES)
    return max(abs(exported.score(text) - float(ref)) for text, ref in zip(PROBES, reference, strict=True))


def main(argv: list[str] | None = None) -> None:
    """Command line: ``--out`` overrides where the artifact goes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"artifact path (default {DEFAULT_OUT})")
    out = parser.parse_args(argv).out
    drift = export(out)
    if drift > 1e-4:
        raise SystemExit(f"exported model disagrees with alt-profanity-check by {drift:.6f}")
    print(f"wrote {out}; largest disagreement with the library: {drift:.2e}")


if __name__ == "__main__":
    main()
