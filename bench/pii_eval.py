"""PII recall and precision on both sets, ours against Presidio's defaults, in one run.

- In-distribution: ``bench.pii.synthetic_messages`` (Faker en_US templates written with the recognizers).
- Out-of-distribution: ``bench.pii_ood`` (presidio-evaluator's templates, FakeNameGenerator identities);
  the dev split for tuning, the frozen test split for reporting.

Presidio reports addresses as LOCATION; they are scored as STREET_ADDRESS (so its city names count as
false addresses, as they would be redacted). Run ``python -m bench.pii_eval [dev|test|in]``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence

from bench.pii import KINDS, Sample, Score, _presidio_default, score, synthetic_messages, table
from bench.pii_ood import DEV_FILE, OOD_KINDS, TEST_FILE, load

Detect = Callable[[str], list[tuple[str, int, int]]]
_PEER_KIND = {"LOCATION": "STREET_ADDRESS"}


def sets(n_in: int = 300) -> dict[str, tuple[list[Sample], Sequence[str]]]:
    """The three sets by name, with the kinds each labels."""
    return {
        "in-distribution": (synthetic_messages(n_in), KINDS),
        "OOD dev": (load(DEV_FILE), OOD_KINDS),
        "OOD test": (load(TEST_FILE), OOD_KINDS),
    }


def ours_detector() -> Detect:
    """Steward's redactor with default settings."""
    from governance.pii import PIISettings, make_redactor

    redactor = make_redactor(PIISettings())
    return lambda text: [(e.kind, e.start, e.end) for e in redactor.redact(text).entities]


def peer_detector() -> Detect:
    """Presidio's defaults (same spaCy model), LOCATION renamed STREET_ADDRESS."""
    from governance.pii import PIISettings

    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # Presidio's e-mail check tries to go online
    presidio = _presidio_default(PIISettings().spacy_model)
    return lambda text: [(_PEER_KIND.get(k, k), s, e) for k, s, e in presidio(text)]


def evaluate(samples: Sequence[Sample], kinds: Sequence[str], detect: Detect) -> dict[str, Score]:
    """Per-kind scores of ``detect`` on ``samples``."""
    return score(samples, [detect(s.text) for s in samples], kinds)


def scores_table(samples: Sequence[Sample], kinds: Sequence[str], systems: dict[str, Detect]) -> dict[str, dict]:
    """Per-system, per-kind recall/precision as plain numbers (plus the counts)."""
    result: dict[str, dict] = {}
    for name, detect in systems.items():
        scores = evaluate(samples, kinds, detect)
        result[name] = {
            k: {
                "n": s.truths,
                "recall": round(s.recall, 3),
                "precision": round(s.precision, 3),
                "detections": s.detections,
            }
            for k, s in scores.items()
        }
    return result


def run_all(n_in: int = 300) -> dict[str, dict]:
    """Ours and Presidio's defaults on the in-distribution set and both OOD splits."""
    systems = {"ours": ours_detector(), "presidio": peer_detector()}
    return {name: scores_table(samples, kinds, systems) for name, (samples, kinds) in sets(n_in).items()}


def misses(samples: Sequence[Sample], detect: Detect, kind: str) -> list[str]:
    """Ground-truth values of ``kind`` not fully covered, and false detections of it (for tuning on dev)."""
    out = []
    for sample in samples:
        found = detect(sample.text)
        got = score([sample], [found], [kind])[kind]
        if got.recalled < got.truths:
            truths = [sample.text[s:e] for k, s, e in sample.spans if k == kind]
            mine = [sample.text[s:e] for k, s, e in found if k == kind]
            out.append(f"MISS {truths} found {mine} :: {sample.text[:160]!r}")
        if got.correct < got.detections:
            mine = [sample.text[s:e] for k, s, e in found if k == kind]
            out.append(f"FP {mine} :: {sample.text[:160]!r}")
    return out


def main(argv: list[str]) -> int:
    """Print tables (``dev``, ``test`` or ``in``), or ``misses dev KIND``."""
    chosen = sets()
    if argv[:1] == ["misses"]:
        samples, _ = chosen["OOD dev"]
        print("\n".join(misses(samples, ours_detector(), argv[2])))
        return 0
    names = {"dev": "OOD dev", "test": "OOD test", "in": "in-distribution"}
    systems = {"ours": ours_detector(), "presidio": peer_detector()}
    for arg in argv or ["dev"]:
        samples, kinds = chosen[names[arg]]
        scores = {name: evaluate(samples, kinds, detect) for name, detect in systems.items()}
        print(names[arg])
        print(table(scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
