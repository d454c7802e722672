"""Build ``data/names.json.gz``, the name gazetteer, from Faker's word lists (run once; the result is committed).

Run: ``python -m governance.pii.build_names`` (Faker is a dev dependency; the runtime reads only the file).
Rerunning with the same Faker, spaCy and Python versions reproduces the file byte for byte.

The file holds three casefolded word lists:

- ``first``: given names (and middle names) of every Faker person locale, Latin script only;
- ``last``: family names of the same locales, split into words ("de la Cruz" gives "cruz");
- ``common``: words that are not names on their own: English words (Faker's lorem list and spaCy's stop
  words), weekdays and months, chat and office vocabulary, software products, company buzzwords,
  job-title words, place names, and the words of the Python standard library's docstrings that are no name.

A given name that is also a common word ("Will", "May", "Austin") only starts a name before a known family
name. ``data/README.md`` describes the sources.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import importlib
import json
import pkgutil
import re
import sysconfig
import unicodedata
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from governance.pii.gazetteer import NAMES_FILE

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / NAMES_FILE
# Faker attributes holding names; kana (Japanese script) and pairs (kanji with readings) are skipped.
_FIRST_ATTR = re.compile(r"^first_(?:romanized_)?names(?:_\w+)?$|^middle_names(?:_\w+)?$")
_LAST_ATTR = re.compile(r"^(?:\w+_)?last_(?:romanized_)?names(?:_\w+)?$")
# Place-name lists of the address providers that English-speaking chat mentions most.
_PLACE_LOCALES = ("en", "en_US", "en_AU", "en_CA", "en_IN", "en_PH")
_PLACE_ATTRS = ("countries", "states", "provinces", "regions", "cities")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# A lower-case English word in prose (not part of an identifier or a hyphenated compound).
_PROSE_WORD = re.compile(r"(?<![\w-])[a-z]{3,}(?![\w-])")
WEEKDAYS_AND_MONTHS = (
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun "
    "January February March April May June July August September October November December "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"
)
# Capitalised words of workplace chat that name lists also contain, or that follow a name ("Kim Support").
CHAT_WORDS = (
    "Hi Hello Hey Dear Thanks Thank Please Sorry Welcome Cheers Regards Best Yes No Okay Ok Sure Great Cool "
    "Morning Afternoon Evening Night Today Tomorrow Yesterday Weekend Holiday Christmas Easter "
    "Team Teams Office Ticket Tickets Password Passwords Login Account Accounts Admin Support Help Desk Helpdesk "
    "Server Cloud Release Version Update Updates Booking Reminder Payroll Invoice Refund Card Phone Mail Email "
    "Meeting Review Quarterly Report Reports Policy Policies Finance Legal Sales Marketing Security Engineering "
    "Manager Director Head Lead Chief Officer President Staff Customer Customers Client Clients Vendor "
    "Bank Street Avenue Road Lane Drive Square Park Hall House Tower Building Floor Room Campus "
    "Company Corp Corporation Inc Ltd GmbH Group Holdings Partners Consulting Solutions Services Systems "
    "Labs Project Product Products Platform Portal App Apps Tool Tools Dashboard Channel Slack Discord "
    "University College School Institute Academy Hospital Clinic Foundation Museum Church Airport Station Hotel "
    "Center Centre Library Bridge Font Error North South East West Central New Old Great Saint St "
    "Access Approval Board Budget Contract Discussion Feedback Notes Onboarding Offboarding Proposal Request "
    "Training Laptop Agenda Minutes Roadmap Strategy Plan Plans Overview Summary Guide Handbook Notice"
)
# Software and assistants people discuss at work. They are taken out of the given names ("Okta", "Claude",
# "Alexa" are in Faker's lists) but stay family names ("Jenkins"): NER often takes them for people.
PRODUCTS = (
    "Jira Confluence Salesforce Okta Zoom GitLab GitHub Bitbucket Workday Figma Slack Teams Outlook Excel "
    "PowerPoint Gmail Google Microsoft Azure SharePoint OneDrive Notion Asana Trello Zendesk ServiceNow Tableau "
    "Docker Kubernetes Python Java Linux Windows Mac Apple Android Chrome Firefox Safari Oracle Dropbox Miro "
    "Loom Webex Skype Adobe Acrobat Photoshop Postgres Redis Kafka Jenkins Terraform Grafana Splunk Datadog "
    "Sentry PagerDuty Duo YubiKey Heroku Stripe PayPal Shopify HubSpot Mailchimp Intercom Airtable Basecamp "
    "Calendly DocuSign Twilio Vimeo Yammer Intune Jamf BambooHR Gusto Rippling Greenhouse Expensify Concur "
    "Xero QuickBooks NetSuite Sage Cisco Meraki Fortinet CrowdStrike Claude Gemini Copilot ChatGPT OpenAI "
    "Llama Mistral Ollama Siri Alexa Cortana"
)
# Major cities in their English spelling (place lists above are mostly regions and countries).
CITIES = (
    "Amsterdam Athens Atlanta Auckland Austin Baltimore Bangalore Bangkok Barcelona Beijing Berlin Bogota "
    "Boston Brisbane Brussels Budapest Cairo Calgary Cape Town Charlotte Chicago Copenhagen Dallas Delhi Denver "
    "Detroit Dubai Dublin Edinburgh Florence Frankfurt Geneva Glasgow Hamburg Helsinki Houston Istanbul "
    "Jakarta Johannesburg Kyiv Lagos Las Vegas Lima Lisbon London Los Angeles Lyon Madrid Manchester Manila "
    "Melbourne Miami Milan Minneapolis Montreal Moscow Mumbai Munich Nairobi Naples Nashville Oslo Ottawa "
    "Paris Perth Philadelphia Phoenix Portland Prague Rome Rotterdam "
    "Seattle Seoul Shanghai Singapore Stockholm Sydney Taipei Tokyo Toronto Vancouver Venice Vienna Warsaw "
    "Washington Wellington Zurich"
)


def main(argv: list[str] | None = None) -> None:
    """Command line: ``--out`` overrides where the gazetteer goes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"gazetteer path (default {DEFAULT_OUT})")
    out = parser.parse_args(argv).out
    lists = build()
    write(out, lists)
    print(f"{out}: " + ", ".join(f"{len(words)} {key}" for key, words in lists.items() if key != "meta"))


def build() -> dict[str, Any]:
    """The gazetteer's lists (sorted, casefolded) and where they came from."""
    import faker  # noqa: PLC0415 - a dev dependency, only needed to build

    first, last, locales = person_names()
    common = _common_words() | (_prose_words() - first - last)
    meta = {"source": f"Faker {faker.VERSION} person providers (Latin-script names)", "locales": locales}
    return {"meta": meta, "first": sorted(first), "last": sorted(last), "common": sorted(common)}


def person_names() -> tuple[set[str], set[str], list[str]]:
    """Given names (software products taken out), family names, and the Faker locales they came from."""
    import faker.providers.person as person  # noqa: PLC0415 - a dev dependency, only needed to build

    first: set[str] = set()
    last: set[str] = set()
    locales = sorted(module.name for module in pkgutil.iter_modules(person.__path__))
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        first |= _words(_lists(provider, _FIRST_ATTR))
        last |= _words(_lists(provider, _LAST_ATTR))
    first -= {word.casefold() for word in PRODUCTS.split()}
    return first, last, locales


def write(out: Path, lists: dict[str, Any]) -> None:
    """Gzipped JSON with a fixed timestamp, so the same lists give the same bytes."""
    payload = json.dumps(lists, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(payload)


def _lists(provider: type, attribute: re.Pattern[str]) -> Iterable[str]:
    """Every entry of the provider's (and its bases') name lists whose attribute name matches."""
    for klass in provider.__mro__:
        for name, value in vars(klass).items():
            if attribute.match(name) and isinstance(value, list | tuple | dict):
                yield from (str(entry) for entry in value)


def _words(entries: Iterable[str]) -> set[str]:
    """Capitalised Latin-script words of the entries, casefolded ("Mary Ann" gives "mary" and "ann")."""
    words = set()
    for entry in entries:
        for word in _WORD.findall(entry):
            if len(word) > 1 and word[0].isupper() and _latin(word):
                words.add(word.casefold())
    return words


def _latin(word: str) -> bool:
    return all(not char.isalpha() or "LATIN" in unicodedata.name(char, "") for char in word)


def _common_words() -> set[str]:
    from faker.providers.company.en_US import Provider as Company  # noqa: PLC0415
    from faker.providers.job import Provider as Job  # noqa: PLC0415
    from faker.providers.lorem.en_US import Provider as Lorem  # noqa: PLC0415
    from spacy.lang.en.stop_words import STOP_WORDS  # noqa: PLC0415

    phrases: list[str] = [*Lorem.word_list, *STOP_WORDS, WEEKDAYS_AND_MONTHS, CHAT_WORDS, PRODUCTS, CITIES, *Job.jobs]
    phrases += [word for group in [*Company.catch_phrase_words, *Company.bsWords] for word in group]
    phrases += _lists_of_places()
    words = {word.casefold() for phrase in phrases for word in _WORD.findall(phrase) if _latin(word)}
    return {word for word in words if len(word) > 1}


def _prose_words() -> set[str]:
    """Lower-case words used at least twice in the standard library's docstrings and language reference."""
    from pydoc_data.topics import topics  # noqa: PLC0415

    texts = list(topics.values())
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(root.rglob("*.py")):
        if {"site-packages", "test", "tests"} & set(path.relative_to(root).parts):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in old modules
            try:
                tree = ast.parse(path.read_text(encoding="utf-8", errors="ignore"))
            except SyntaxError:
                continue
        texts += [doc for node in ast.walk(tree) if (doc := _docstring(node))]
    counts: dict[str, int] = {}
    for text in texts:
        for word in _PROSE_WORD.findall(text):
            counts[word] = counts.get(word, 0) + 1
    return {word for word, count in counts.items() if count >= 2}


def _docstring(node: ast.AST) -> str | None:
    if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return ast.get_docstring(node, clean=False)
    return None


def _lists_of_places() -> Iterable[str]:
    for locale in _PLACE_LOCALES:
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        for name in _PLACE_ATTRS:
            value = vars(provider).get(name)
            if isinstance(value, list | tuple | dict):
                yield from (str(entry) for entry in value)


if __name__ == "__main__":
    main()
