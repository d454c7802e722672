"""The name gazetteer: known given names, family names and common words, read from ``data/names.json.gz``."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

NAMES_FILE = "names.json.gz"
WIDE_FILE = "names_wide.json.gz"


@dataclass(frozen=True)
class NameGazetteer:
    """Casefolded word sets; built by ``governance.pii.build_names`` from Faker's lists of many locales.

    A given name that is also a common word ("Will", "May", "Austin") is *ambiguous*: it only counts as the
    start of a name before a known family name.
    """

    first: frozenset[str]
    last: frozenset[str]
    common: frozenset[str]
    wide_first: frozenset[str] = frozenset()
    wide_last: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path | None = None) -> NameGazetteer:
        """Read the gazetteer file (the packaged one unless ``path`` is given)."""
        if path is None:
            raw = resources.files("governance.pii").joinpath("data", NAMES_FILE).read_bytes()
        else:
            raw = path.read_bytes()
        data = json.loads(gzip.decompress(raw))
        wide = resources.files("governance.pii").joinpath("data", WIDE_FILE).read_bytes() if path is None else b""
        lists = json.loads(gzip.decompress(wide)) if wide else {}
        return cls(
            frozenset(data["first"]),
            frozenset(data["last"]),
            frozenset(data["common"]),
            frozenset(lists.get("first_wide", ())),
            frozenset(lists.get("last_wide", ())),
        )

    def is_first(self, word: str) -> bool:
        """A known given name that is not also a common word."""
        key = word.casefold()
        return key in self.first and key not in self.common

    def is_ambiguous_first(self, word: str) -> bool:
        """A known given name that is also a common word ("Will", "May", "Grant")."""
        key = word.casefold()
        return key in self.first and key in self.common

    def is_wide_first(self, word: str) -> bool:
        """A given name of the wide list (names-dataset, ``build_names_wide``) that is no common word.

        Only good before a family name: alone, many of these are ordinary words somewhere.
        """
        key = word.casefold()
        return key in self.wide_first and key not in self.common

    def is_wide_name(self, word: str) -> bool:
        """A given or family name of the wide lists, or a known name, that is no common word.

        Alone, such a word is a name only where the words around it say a person is meant.
        """
        key = word.casefold()
        if key in self.common:
            return False
        return key in self.wide_first or key in self.wide_last or key in self.first or key in self.last

    def is_last(self, word: str) -> bool:
        """A known family name (common words included: "Young", "Love")."""
        return word.casefold() in self.last

    def is_common(self, word: str) -> bool:
        """A word that is not a name on its own: English vocabulary, weekdays, months, places."""
        return word.casefold() in self.common

    def is_name(self, word: str) -> bool:
        """A known given or family name, whether or not it is also a common word."""
        key = word.casefold()
        return key in self.first or key in self.last


@cache
def packaged_gazetteer() -> NameGazetteer:
    """The packaged gazetteer, read once per process."""
    return NameGazetteer.load()
