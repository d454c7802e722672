"""PII redaction: Steward's redactor against Presidio's default configuration, same spaCy model, same messages.

Messages are chat-sized (about 25 words) and built from templates with seeded Faker values, so every PII
span is known. A ground-truth span counts as recalled when detections of the same kind cover all its letters
and digits; a detection is precise when it overlaps a ground-truth span of its kind. Run with::

    python -c "from bench.pii import run_pii_bench; print(run_pii_bench())"
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from faker import Faker

from bench.stats import percentile, ratio

KINDS = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS")
TEMPLATES = (
    "Hi team, {PERSON} asked me to forward the {product} invoice to {EMAIL_ADDRESS} before {weekday}. "
    "Can someone confirm the total of {amount}?",
    "Please call {PERSON} at {PHONE_NUMBER} about ticket {ticket}; she is in {city} until {date} and prefers mornings.",
    "My card {CREDIT_CARD} was charged {amount} twice for {product}. Could finance refund one of them by "
    "{weekday} please?",
    "For the reimbursement use IBAN {IBAN_CODE}, account holder {PERSON}. The trip to {city} cost {amount} in total.",
    "HR needs the SSN {US_SSN} for {PERSON} before payroll closes on {date}. Who can update the record in {product}?",
    "The VPN blocks {IP_ADDRESS} again since version {version}. {PERSON} says the firewall rule changed "
    "at {time} yesterday.",
    "{PERSON} here. My new number is {PHONE_NUMBER} and my personal mail is {EMAIL_ADDRESS}, please update "
    "the on-call sheet.",
    "Booking for {PERSON}: card {CREDIT_CARD}, phone {PHONE_NUMBER}. The flight to {city} leaves {date} at {time}.",
    "Can you check why {EMAIL_ADDRESS} gets bounced by {product}? It started after release {version} "
    "on {weekday} at {time}.",
    "Reminder from {PERSON}: expense reports with IBAN {IBAN_CODE} must reach finance by {date}, "
    "otherwise ticket {ticket} stays open.",
    "Who owns server {IP_ADDRESS}? {PERSON} wants to decommission it after the {city} office moves on {date}.",
    "Payroll question: is SSN {US_SSN} the right one for the contractor in {city}? Ticket {ticket} "
    "mentions a different number.",
    "I met {PERSON} and {PERSON} in {city} last {weekday}; they want a {product} demo for about forty people.",
    "Send the signed contract to {EMAIL_ADDRESS} or fax {PHONE_NUMBER}, and copy {PERSON} so legal "
    "sees it before {date}.",
    "The refund of {amount} goes back to card {CREDIT_CARD}, says {PERSON}. Expect it within five business days.",
    "Ticket {ticket}: {PERSON} cannot log in to {product} from {IP_ADDRESS} since {time}. Password reset "
    "did not help either.",
    "New starter {PERSON} begins on {date}; laptop goes to the {city} office, contact number {PHONE_NUMBER}.",
    "Quarterly review moved to {weekday} at {time}. {PERSON} will present the {product} numbers; "
    "send slides to {EMAIL_ADDRESS}.",
)
CITIES = ("Berlin", "Chicago", "Denver", "Lisbon", "Toronto", "Austin", "Madrid", "Seattle", "Dublin")
PRODUCTS = ("Jira", "Confluence", "Salesforce", "Okta", "Zoom", "GitLab", "Workday", "Figma")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
IBAN_LOCALES = ("en_GB", "de_DE", "nl_NL", "es_ES", "it_IT")
_SLOT = re.compile(r"\{(\w+)\}")
_ALNUM = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class Sample:
    """One synthetic message and its ground-truth PII spans ``(kind, start, end)``."""

    text: str
    spans: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Score:
    """Recall and precision for one entity kind."""

    kind: str
    truths: int
    recalled: int
    detections: int
    correct: int

    @property
    def recall(self) -> float:
        return self.recalled / self.truths if self.truths else float("nan")

    @property
    def precision(self) -> float:
        return self.correct / self.detections if self.detections else float("nan")


def synthetic_messages(n: int, seed: int = 7) -> list[Sample]:
    """``n`` chat messages with known PII spans, reproducible for a given seed."""
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    ibans = [Faker(locale) for locale in IBAN_LOCALES]
    for index, generator in enumerate(ibans):
        generator.seed_instance(seed + index)
    values: dict[str, Callable[[], str]] = {
        "PERSON": lambda: f"{fake.first_name()} {fake.last_name()}",
        "EMAIL_ADDRESS": fake.email,
        "PHONE_NUMBER": fake.phone_number,
        "CREDIT_CARD": lambda: _format_card(fake.credit_card_number(), rng),
        "IBAN_CODE": lambda: _format_iban(rng.choice(ibans).iban(), rng),
        "US_SSN": fake.ssn,
        "IP_ADDRESS": lambda: fake.ipv4() if rng.random() < 0.8 else fake.ipv6(),
        "city": lambda: rng.choice(CITIES),
        "product": lambda: rng.choice(PRODUCTS),
        "weekday": lambda: rng.choice(WEEKDAYS),
        "date": lambda: fake.date_this_decade().strftime(rng.choice(("%Y-%m-%d", "%B %d", "%d.%m.%Y"))),
        "time": lambda: f"{rng.randint(7, 18)}:{rng.choice(('00', '15', '30', '45'))}",
        "amount": lambda: f"${rng.randint(20, 9000):,}.{rng.randint(0, 99):02d}",
        "ticket": lambda: rng.choice(("#", "INC-", "HR-")) + str(rng.randint(1000, 99999)),
        "version": lambda: f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
    }
    return [_fill(TEMPLATES[i % len(TEMPLATES)], values) for i in range(n)]


def score(
    samples: Sequence[Sample], detections: Sequence[Iterable[tuple[str, int, int]]], kinds: Sequence[str] = KINDS
) -> dict[str, Score]:
    """Per-kind recall and precision of ``detections`` (one list of ``(kind, start, end)`` per sample)."""
    counts = {kind: [0, 0, 0, 0] for kind in kinds}
    for sample, found in zip(samples, detections, strict=True):
        found = [d for d in found if d[0] in counts]
        for kind, start, end in sample.spans:
            if kind in counts:
                counts[kind][0] += 1
                counts[kind][1] += _covered(sample.text, start, end, [d for d in found if d[0] == kind])
        for kind, start, end in found:
            counts[kind][2] += 1
            counts[kind][3] += any(k == kind and s < end and start < e for k, s, e in sample.spans)
    return {kind: Score(kind, *values) for kind, values in counts.items()}


def table(scores: dict[str, dict[str, Score]]) -> str:
    """A plain-text table: one row per kind, recall/precision per system."""
    systems = list(scores)
    header = f"{'entity':<14}{'n':>5}" + "".join(f"{s + ' R':>16}{s + ' P':>16}" for s in systems)
    rows = [header]
    for kind in next(iter(scores.values())):
        first = scores[systems[0]][kind]
        cells = "".join(f"{scores[s][kind].recall:>16.3f}{scores[s][kind].precision:>16.3f}" for s in systems)
        rows.append(f"{kind:<14}{first.truths:>5}{cells}")
    return "\n".join(rows)


def run_pii_bench(n: int = 300) -> dict:
    """Latency (p50/p95 ms per message) and per-kind recall/precision: ours vs Presidio's defaults."""
    from governance.pii import PIISettings, make_redactor

    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # Presidio's e-mail check tries to go online
    samples = synthetic_messages(n)
    redactor = make_redactor(PIISettings())
    ours = _run(samples, lambda text: [(e.kind, e.start, e.end) for e in redactor.redact(text).entities])
    peer = _run(samples, _presidio_default(PIISettings().spacy_model))
    result: dict = {"n": n, "ours": ours, "presidio_default": peer}
    for q in ("p50_ms", "p95_ms"):
        result[f"ratio_{q}"] = round(ratio(ours[q], peer[q]), 3)
    print(table({"ours": ours.pop("scores"), "presidio": peer.pop("scores")}))
    return result


def _run(samples: Sequence[Sample], detect: Callable[[str], list[tuple[str, int, int]]]) -> dict:
    for sample in samples[:20]:
        detect(sample.text)  # warm-up
    timings, found = [], []
    for sample in samples:
        start = time.perf_counter()
        found.append(detect(sample.text))
        timings.append((time.perf_counter() - start) * 1000)
    scores = score(samples, found)
    return {
        "p50_ms": round(percentile(timings, 50), 3),
        "p95_ms": round(percentile(timings, 95), 3),
        "recall": {kind: round(s.recall, 3) for kind, s in scores.items()},
        "precision": {kind: round(s.precision, 3) for kind, s in scores.items()},
        "scores": scores,
    }


def _presidio_default(model: str) -> Callable[[str], list[tuple[str, int, int]]]:
    """Presidio as shipped (default registry, context enhancer, full spaCy pipeline) plus its anonymizer."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    config = dict(NlpEngineProvider().nlp_configuration)
    config["models"] = [{"lang_code": "en", "model_name": model}]
    analyzer = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine())
    anonymizer = AnonymizerEngine()

    def detect(text: str) -> list[tuple[str, int, int]]:
        results = analyzer.analyze(text, language="en")
        anonymizer.anonymize(text, results)  # type: ignore[arg-type]  # same class, two stub paths
        return [(r.entity_type, r.start, r.end) for r in results]

    return detect


def _fill(template: str, values: dict[str, Callable[[], str]]) -> Sample:
    parts: list[str] = []
    spans: list[tuple[str, int, int]] = []
    cursor = length = 0
    for match in _SLOT.finditer(template):
        literal = template[cursor : match.start()]
        value = values[match.group(1)]()
        parts += [literal, value]
        length += len(literal)
        if match.group(1) in KINDS:
            spans.append((match.group(1), length, length + len(value)))
        length += len(value)
        cursor = match.end()
    parts.append(template[cursor:])
    return Sample("".join(parts), tuple(spans))


def _covered(text: str, start: int, end: int, found: list[tuple[str, int, int]]) -> bool:
    """Whether every letter and digit of ``text[start:end]`` lies inside some detection."""
    return all(any(s <= m.start() < e for _, s, e in found) for m in _ALNUM.finditer(text, start, end))


def _format_card(number: str, rng: random.Random) -> str:
    style = rng.choice(("plain", " ", "-"))
    if style == "plain":
        return number
    sizes = (4, 6, 5) if len(number) == 15 and number[:2] in ("34", "37") else (4, 6, 4) if len(number) == 14 else ()
    groups, cursor = [], 0
    for size in sizes or [4] * 5:
        if cursor < len(number):
            groups.append(number[cursor : cursor + size])
            cursor += size
    return style.join(groups)


def _format_iban(iban: str, rng: random.Random) -> str:
    return iban if rng.random() < 0.5 else " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
