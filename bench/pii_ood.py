"""The out-of-distribution PII set: another generator's templates and people, frozen test split.

Nothing here shares a source with the recognizers (see docs/benchmarks-governance.md, "Provenance"):

- Templates: the 200-odd sentences of PyPI ``presidio-evaluator`` 0.3.2 (``raw_data/templates.txt``),
  written by Presidio's authors (customer-support requests, song trivia, letters, signatures), not by us.
- People: its ``FakeNameGenerator.com_3000.csv``: 3,000 identities from FakeNameGenerator.com, 24 name
  sets (Czech, Icelandic, Japanese, Chechen, Greenlander…) living in 30 countries, with local street
  addresses and national phone formats. The name gazetteer is built from Faker, the phone recognizer is
  ``phonenumbers``' metadata, so neither saw these values.
- Cards, IBANs, SSNs and IPs: Faker with other locales and seeds than ``bench/pii.py`` (IBANs of 16
  countries not in its list; SSNs with about one in three in shapes the SSA never issues).

Labelled kinds: PERSON (full names, given names alone, surnames alone), STREET_ADDRESS (house number and
street as the person's country writes it, a P.O. box, or a unit such as "Suite 513"; the city and postcode
after it are left unlabelled, and a detection that runs on into them is still correct), PHONE_NUMBER,
EMAIL_ADDRESS, CREDIT_CARD, IBAN_CODE, US_SSN, IP_ADDRESS. Templates that name a street with no house
number are left out: a street alone, like a city, is not treated as personal data.

The identities are split in two halves (dev and test never share a person, an address or a phone number),
and so are the templates of every kind that has at least two. Regenerate (needs ``pip install --no-deps
presidio-evaluator==0.3.2``; the output is committed, nothing else needs the package)::

    python -m bench.pii_ood --write

``--write`` refuses to change the frozen test split unless ``--refreeze`` is given; its sha256 is in
``bench/data/pii_ood_test.sha256`` and ``tests/test_pii_ood.py`` checks it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import distribution
from pathlib import Path

from faker import Faker

from bench.pii import Sample

DATA = Path(__file__).resolve().parent / "data"
DEV_FILE, TEST_FILE = DATA / "pii_ood_dev.jsonl", DATA / "pii_ood_test.jsonl"
TEST_HASH_FILE = DATA / "pii_ood_test.sha256"
OOD_KINDS = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "STREET_ADDRESS",
)
PER_SPLIT = 800
# Dates in a fixed range. The frozen files were written with Faker's ``date_time_this_decade``, which depends
# on the clock: regenerating reproduces them except the minutes of 19 test and some dev dates (no PII).
_EPOCH, _END = datetime(2020, 1, 1), datetime(2026, 11, 30)
SEED = 1414
_RAW = "presidio_evaluator/data_generator/raw_data/"
_SLOT = re.compile(r"\{\{(\w+)\}\}")
SLOT_KIND = {
    **dict.fromkeys(("person", "name", "name_female", "name_male"), "PERSON"),
    **dict.fromkeys(("first_name", "first_name_male", "first_name_female", "first_name_nonbinary"), "PERSON"),
    **dict.fromkeys(("last_name", "last_name_male", "last_name_female"), "PERSON"),
    **dict.fromkeys(("address", "street_address", "secondary_address"), "STREET_ADDRESS"),
    "phone_number": "PHONE_NUMBER",
    "email": "EMAIL_ADDRESS",
    "credit_card_number": "CREDIT_CARD",
    "iban": "IBAN_CODE",
    "ssn": "US_SSN",
    "ip_address": "IP_ADDRESS",
}
_UNSUPPORTED = ("us_driver_license",)
IBAN_LOCALES = (
    "fr_FR", "pl_PL", "pt_PT", "de_AT", "de_CH", "nl_BE", "fi_FI", "da_DK", "no_NO", "cs_CZ",
    "el_GR", "ro_RO", "sk_SK", "tr_TR", "az_AZ", "en_IE",
)  # fmt: skip
CARD_TYPES = ("visa16", "visa13", "mastercard", "amex", "discover", "diners", "jcb15", "jcb16", "maestro")
# Numbers of the SSN's shape that the SSA never issues (area 000, 666 or 9xx; group 00; serial 0000) and
# the famous specimen ones: a compliance reader still sees an SSN.
_INVALID_SSN = ("078-05-1120", "219-09-9999", "123-45-6789")


def _raw(name: str) -> Path:
    return Path(str(distribution("presidio-evaluator").locate_file(_RAW + name)))


def templates() -> list[str]:
    """Usable templates: ``\\n`` unescaped, adjacent number and street joined, bare streets left out."""
    found = []
    for line in _raw("templates.txt").read_text(encoding="utf-8").splitlines():
        text = line.strip().replace("\\n", "\n").replace("\\,", ",")
        text = text.replace("{{building_number}} {{street_name}}", "{{street_address}}")
        if not text or "{{street_name}}" in text or "{{building_number}}" in text:
            continue
        if re.search(r"(?<!\{)\{\w+\}(?!\})", text) or any(s in text for s in _UNSUPPORTED):
            continue
        found.append(text)
    return found


def _kinds_of(template: str) -> set[str]:
    return {SLOT_KIND[s] for s in _SLOT.findall(template) if s in SLOT_KIND}


def _split_templates(all_templates: list[str]) -> tuple[list[str], list[str]]:
    """Templates per split: by a stable hash, except that a kind with a single template goes to both."""
    dev: list[str] = []
    test: list[str] = []
    for template in all_templates:
        digest = hashlib.sha256(template.encode()).digest()[0]
        (dev if digest % 2 else test).append(template)
    for kind in OOD_KINDS:
        for mine, other in ((dev, test), (test, dev)):
            if not any(kind in _kinds_of(t) for t in mine):
                mine += [t for t in other if kind in _kinds_of(t) and t not in mine]
    return dev, test


class _Values:
    """Values for each template slot, people drawn from one half of the identities."""

    def __init__(self, people: list[dict[str, str]], seed: int) -> None:
        self.rng = random.Random(seed)
        self.people = people
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.ibans = [Faker(locale) for locale in IBAN_LOCALES]
        for offset, generator in enumerate(self.ibans):
            generator.seed_instance(seed + offset)
        self.orgs = _column("companies_and_organizations.csv", "organization")
        self.nationalities = _column("nationalities.csv", "nationality")

    def person(self, gender: str = "") -> dict[str, str]:
        while True:
            row = self.rng.choice(self.people)
            if not gender or row["Gender"] == gender:
                return row

    def fill(self, slot: str) -> tuple[str, int, int]:
        """The value for ``slot`` and the labelled part of it (``start``, ``end`` within the value)."""
        special: dict[str, Callable[[], tuple[str, int, int]]] = {"address": self._address}
        if slot in special:
            return special[slot]()
        value = self._simple(slot)
        return value, 0, len(value)

    def _simple(self, slot: str) -> str:
        rng, fake = self.rng, self.fake
        gender = "female" if slot.endswith("_female") else "male" if slot.endswith("_male") else ""
        simple: dict[str, Callable[[], str]] = {
            "person": lambda: self._full_name(self.person(gender)),
            "name": lambda: self._full_name(self.person(gender)),
            "first_name": lambda: self.person(gender)["GivenName"],
            "last_name": lambda: self.person(gender)["Surname"],
            "street_address": lambda: self.person()["StreetAddress"],
            "secondary_address": fake.secondary_address,
            "phone_number": self._phone,
            "email": lambda: self.person()["EmailAddress"],
            "credit_card_number": self._card,
            "iban": lambda: _group(rng.choice(self.ibans).iban(), rng, 0.5),
            "ssn": self._ssn,
            "ip_address": self._ip,
            "organization": lambda: rng.choice(self.orgs),
            "city": lambda: self.person()["City"],
            "country": lambda: self.person()["CountryFull"],
            "nationality": lambda: rng.choice(self.nationalities).title(),
            "year": lambda: str(rng.randint(1950, 2024)),
            "age": lambda: str(rng.randint(18, 90)),
            "job": fake.job,
            "url": fake.url,
            "postcode": lambda: self.person()["ZipCode"],
            "zipcode": lambda: self.person()["ZipCode"],
            "state_abbr": lambda: self.person()["State"],
            "date_time": lambda: fake.date_time_between(_EPOCH, _END).strftime("%B %d, %Y %H:%M"),
            "date_of_birth": lambda: self.person()["Birthday"],
            "day_of_week": fake.day_of_week,
        }
        if slot.startswith("prefix"):
            return self.person(gender)["Title"]
        if slot.startswith("nation"):
            return rng.choice(self.nationalities).title()
        key = re.sub(r"_(?:male|female|nonbinary)$", "", slot)
        return simple[key]()

    def _full_name(self, row: dict[str, str]) -> str:
        middle = f" {row['MiddleInitial']}." if row["MiddleInitial"] and self.rng.random() < 0.15 else ""
        return f"{row['GivenName']}{middle} {row['Surname']}"

    def _address(self) -> tuple[str, int, int]:
        row = self.person()
        street = row["StreetAddress"]
        if self.rng.random() < 0.15:
            street += ", " + self.fake.secondary_address()
        tail = self.rng.choice(
            (f", {row['City']}", f", {row['ZipCode']} {row['City']}", f"\n{row['City']} {row['ZipCode']}", "")
        )
        if tail and self.rng.random() < 0.3:
            tail += f", {row['CountryFull']}"
        return street + tail, 0, len(street)

    def _phone(self) -> str:
        row = self.person()
        national = row["TelephoneNumber"]
        if self.rng.random() < 0.65:
            return national
        digits = re.sub(r"^\((\d+)\)\s*", r"\1 ", national)
        return f"+{row['TelephoneCountryCode']} {digits.removeprefix('0')}"

    def _card(self) -> str:
        number = self.fake.credit_card_number(self.rng.choice(CARD_TYPES))
        style = self.rng.random()
        if style < 0.5:
            return number
        sep = " " if style < 0.8 else "-"
        if len(number) == 15 and number.startswith(("34", "37")):
            return sep.join((number[:4], number[4:10], number[10:]))
        return sep.join(number[i : i + 4] for i in range(0, len(number), 4))

    def _ssn(self) -> str:
        rng = self.rng
        if rng.random() < 0.67:
            ssn = self.fake.ssn()
        elif rng.random() < 0.3:
            ssn = rng.choice(_INVALID_SSN)
        else:
            area = rng.choice(("000", "666", str(rng.randint(900, 999)), f"{rng.randint(1, 899):03d}"))
            group = "00" if area[0] not in "069" else f"{rng.randint(1, 99):02d}"
            ssn = f"{area}-{group}-{rng.randint(0, 9999):04d}"
        style = rng.random()
        return ssn if style < 0.7 else ssn.replace("-", " ") if style < 0.85 else ssn.replace("-", "")

    def _ip(self) -> str:
        pick = self.rng.random()
        return self.fake.ipv4_public() if pick < 0.5 else self.fake.ipv4_private() if pick < 0.7 else self.fake.ipv6()


def _column(name: str, column: str) -> list[str]:
    with _raw(name).open(encoding="utf-8-sig") as handle:
        return [row[column].strip() for row in csv.DictReader(handle) if row[column].strip()]


def _group(value: str, rng: random.Random, chance: float) -> str:
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4)) if rng.random() < chance else value


def _fill(template: str, values: _Values) -> Sample:
    parts: list[str] = []
    spans: list[tuple[str, int, int]] = []
    cursor = length = 0
    for match in _SLOT.finditer(template):
        literal = template[cursor : match.start()]
        value, start, end = values.fill(match.group(1))
        parts += [literal, value]
        length += len(literal)
        kind = SLOT_KIND.get(match.group(1))
        if kind:
            spans.append((kind, length + start, length + end))
        length += len(value)
        cursor = match.end()
    parts.append(template[cursor:])
    return Sample("".join(parts), tuple(spans))


def generate(per_split: int = PER_SPLIT, seed: int = SEED) -> tuple[list[Sample], list[Sample]]:
    """The dev and test splits: disjoint people and templates (see the module docstring)."""
    with _raw("FakeNameGenerator.com_3000.csv").open(encoding="utf-8-sig") as handle:
        people = list(csv.DictReader(handle))
    random.Random(seed).shuffle(people)
    half = len(people) // 2
    dev_templates, test_templates = _split_templates(templates())
    dev = _split(dev_templates, _Values(people[:half], seed), per_split)
    test = _split(test_templates, _Values(people[half:], seed + 1), per_split)
    return dev, test


def _split(pool: list[str], values: _Values, n: int) -> list[Sample]:
    """``n`` samples, cycling over the kinds (and "none") so that every kind gets about ``n / 9`` templates."""
    groups = [[t for t in pool if kind in _kinds_of(t)] for kind in OOD_KINDS]
    groups.append([t for t in pool if not _kinds_of(t)])
    return [_fill(values.rng.choice(groups[i % len(groups)]), values) for i in range(n)]


def to_jsonl(samples: list[Sample]) -> str:
    """One JSON object per line: ``text`` and ``spans`` as ``[kind, start, end]``."""
    rows = [
        json.dumps({"text": s.text, "spans": [list(span) for span in s.spans]}, ensure_ascii=False) for s in samples
    ]
    return "\n".join(rows) + "\n"


def load(path: Path) -> list[Sample]:
    """Samples from one of the committed JSONL files."""
    samples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        samples.append(Sample(row["text"], tuple((k, int(s), int(e)) for k, s, e in row["spans"])))
    return samples


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Print span counts; with ``--write`` write the split files (the test split only with ``--refreeze``)."""
    parser = argparse.ArgumentParser(prog="python -m bench.pii_ood", description=__doc__)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--refreeze", action="store_true", help="also rewrite the frozen test split and its hash")
    args = parser.parse_args(argv)
    dev, test = generate()
    for name, samples in (("dev", dev), ("test", test)):
        counts = {k: sum(s[0] == k for x in samples for s in x.spans) for k in OOD_KINDS}
        print(name, len(samples), "sentences", sum(counts.values()), "spans", counts)
    if args.write:
        DATA.mkdir(exist_ok=True)
        DEV_FILE.write_text(to_jsonl(dev), encoding="utf-8")
        if args.refreeze or not TEST_FILE.exists():
            TEST_FILE.write_text(to_jsonl(test), encoding="utf-8")
            TEST_HASH_FILE.write_text(f"{sha256(TEST_FILE)}  {TEST_FILE.name}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
