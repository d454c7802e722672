"""The PII section of docs/benchmarks-governance.md: both sets, ours against Presidio's defaults."""

from __future__ import annotations

from typing import Any

from bench.pii_ood import TEST_HASH_FILE

# Goals on the out-of-distribution test split (issue 14): recall per kind, precision for every kind.
RECALL_GOALS = {
    "PERSON": 0.92,
    "EMAIL_ADDRESS": 0.95,
    "PHONE_NUMBER": 0.95,
    "CREDIT_CARD": 0.95,
    "IBAN_CODE": 0.95,
    "US_SSN": 0.95,
    "IP_ADDRESS": 0.95,
    "STREET_ADDRESS": 0.85,
}
PRECISION_GOAL = 0.90
ABOUT = """Two sets, scored the same way (a true span counts as found when detections of its kind cover all
its letters and digits; a detection is correct when it overlaps a true span of its kind). Presidio's
LOCATION results are scored as STREET_ADDRESS, so the cities it flags count against its precision.

- **In-distribution** (`bench/pii.py`): 300 chat messages from 18 templates we wrote, filled with Faker
  en_US values. The name gazetteer is built from Faker's locales, so these figures are optimistic.
- **Out-of-distribution** (`bench/pii_ood.py`, `bench/data/pii_ood_*.jsonl`): another generator's
  sentences: the templates of PyPI `presidio-evaluator` 0.3.2 (customer-support requests, song trivia,
  letters and signature blocks written by Presidio's authors), filled with the identities of its
  `FakeNameGenerator.com_3000.csv` (24 name sets such as Czech, Icelandic, Japanese, Chechen, Greenlander;
  street addresses and phone numbers as written in 30 countries), with cards, IBANs (16 countries that
  the in-distribution set does not use), SSNs (one in three of a shape the SSA never issues) and IPs
  from Faker with other seeds. Dev and test share no person, address, phone number or template (for
  kinds with more than one template). The test split was frozen (sha256 in
  `bench/data/pii_ood_test.sha256`, checked by `tests/test_pii_ood.py`) before any recognizer was
  changed; recognizers were tuned on dev only, and test is read only to report.
- **Provenance.** Nothing the recognizers are built from produced the OOD values: names come from
  FakeNameGenerator, the gazetteer from Faker; street-type words (`governance/pii/data/streets.json`)
  come from Faker's address providers and hold no street names; phone numbers are checked against
  libphonenumber's metadata (`phonenumbers`), not against any list of numbers."""


def _table(scores: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    ours, peer = scores["ours"], scores["presidio"]
    lines = [
        "| Entity | n | ours recall | ours precision | Presidio recall | Presidio precision |",
        "|---|---|---|---|---|---|",
    ]
    for kind, mine in ours.items():
        other = peer[kind]
        lines.append(
            f"| {kind} | {mine['n']} | {mine['recall']:.3f} | {mine['precision']:.3f} | "
            f"{other['recall']:.3f} | {other['precision']:.3f} |"
        )
    return lines


def verdicts(test: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """One line per kind: which goals the OOD test split meets."""
    lines = []
    for kind, goal in RECALL_GOALS.items():
        mine, other = test["ours"][kind], test["presidio"][kind]
        misses = []
        if not mine["recall"] >= goal:
            misses.append(f"recall {mine['recall']:.3f} < {goal:.2f}")
        if not mine["precision"] >= PRECISION_GOAL:
            misses.append(f"precision {mine['precision']:.3f} < {PRECISION_GOAL:.2f}")
        if not (mine["recall"] >= other["recall"] and mine["precision"] >= other["precision"]):
            misses.append("not ahead of Presidio on both")
        lines.append(f"- {kind}: " + ("meets all goals" if not misses else "misses: " + "; ".join(misses)))
    return lines


def pii_markdown(pii: dict[str, Any], sets: dict[str, Any] | None, run: str = "") -> list[str]:
    """Lines of the PII section (``pii`` from ``run_pii_bench``, ``sets`` from ``bench.pii_eval.run_all``).

    ``run`` says how it was measured (command, date, load average at start → end).
    """
    lines = [
        "",
        "## PII detection: in-distribution and out-of-distribution sets",
        "",
        ABOUT,
        "",
        *([f"Measured by {run} (ours and Presidio's defaults in the same run, same spaCy model).", ""] if run else []),
        f"Latency per in-distribution message: ours p50 {pii['ours']['p50_ms']:.2f} ms / p95 "
        f"{pii['ours']['p95_ms']:.2f} ms; Presidio defaults p50 {pii['presidio_default']['p50_ms']:.2f} ms / "
        f"p95 {pii['presidio_default']['p95_ms']:.2f} ms.",
    ]
    for name, scores in (sets or {}).items():
        lines += ["", f"### {name}", "", *_table(scores)]
    if sets and "OOD test" in sets:
        digest = TEST_HASH_FILE.read_text(encoding="utf-8").split()[0]
        lines += ["", f"Goals on the OOD test split (sha256 `{digest[:12]}…`):", "", *verdicts(sets["OOD test"])]
    return [*lines, ""]
