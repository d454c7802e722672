"""Street addresses: a house number with a street name, a P.O. box, or a unit ("Suite 513"), in many languages.

Which words make a street is data, not code: ``data/streets.json`` (built from Faker's address providers by
``build_streets``) lists the types written after a name ("18 Railway Street"), before it ("Avenida Visconde
Valmor 61", "ul. PCK 125") and glued to it ("Blancefloerlaan 354", "Kajaaninkatu 78"). A street name without
a type counts after an address cue ("lives at", "address:", "meet me at") or alone on its line (a letter's
address block), unless its words are common words or places ("at Berlin 2", "Room 101", "Python 3").
A city or office without a number ("the Berlin office") is never a street address.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from governance.pii.gazetteer import NameGazetteer

STREETS_FILE = "streets.json"
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u017f\u0386-\u03ab\u0400-\u042f"
_WORD = r"[^\W\d_][\w'’.-]*"
_CAP = rf"(?=[{_UPPER}]){_WORD}"
_LOWER = r"(?=[a-z\u00df-\u00ff])[^\W\d_]+"
_SP = r"[ \u00a0]"
_HOUSE = r"\d{1,5}(?:[a-zA-Z](?!\w))?(?:[-/]\d{1,4}[a-zA-Z]?)?(?!\w|[.,:/]\d)"
_NUM = _HOUSE + r"\.?"  # "Csabai kapu 38."
_START = r"(?<![\w.,:/#-])"
# Up to four more words: capitalised ones, or particles and lower-case words ("Rua de São Jorge").
_NAME = rf"{_CAP}(?:{_SP}(?:{_CAP}|{_LOWER})){{0,3}}"
_UNIT = rf"{_START}(?:Suite|Ste\.|Apt\.?|Apartment|Unit|Flat){_SP}?#?\d{{1,5}}[A-Za-z]?(?!\w)"
_BOXES = rf"P\.?{_SP}?O\.?{_SP}?Box|PO{_SP}Box|Post(?:box|boks|fach)|Apartado|Caixa{_SP}Postal"
_BOX = rf"{_START}(?:{_BOXES}){_SP}?\d{{1,6}}(?!\w)"
_CUE = re.compile(
    r"(?:\baddress(?:es)?(?: is| with| to)?|\baddr\.?|\blives? (?:at|on|in)|\bliving at|\blocated at"
    r"|\bmeet (?:me|you|us) at|\bmoved to|\bsent to|\bsend (?:it |them )?to|\bship(?:ped)? to"
    r"|\bdeliver(?:ed)? to|\bat|\bto|\bin|\bis|:"
    r"|\b(?:Suite|Apt\.?|Apartment|Unit|Flat) ?#?\d{1,5}[A-Za-z]?,?)"
    r"[ \t]*\n?[ \t]*$",
    re.IGNORECASE,
)
_LINE_START = re.compile(r"(?:^|\n)[ \t>?*-]*$")
_LINE_END = re.compile(r"[ \t]*(?:,|\n|$)")
_CUE_LOOKBEHIND = 40
_JOINER = re.compile(r"[ \t]*,?[ \t]*\n?[ \t>]*")
# A house number right after a word and a blank ("Jõe 23"); the words before it are examined separately.
_NUMBER = re.compile(rf"(?<=[^\W\d_.][ \u00a0]){_NUM}")
_NAME_WORD = re.compile(_WORD)
_SP_RUN = re.compile(r"[ \u00a0]")
_YEAR = re.compile(r"(?:19|20)\d\d")


@cache
def _street_words() -> dict[str, list[str]]:
    raw = resources.files("governance.pii").joinpath("data", STREETS_FILE).read_text(encoding="utf-8")
    data: dict[str, list[str]] = json.loads(raw)
    return data


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


class StreetAddressRecognizer(PatternRecognizer):
    """Presidio recognizer for STREET_ADDRESS (patterns and the street-word list; no NER needed)."""

    def __init__(self, gazetteer: NameGazetteer) -> None:
        self._names = gazetteer
        words = _street_words()
        after, before = _alternatives(words["after"]), _alternatives(words["before"])
        glued = _alternatives(words["glued"])
        typed = (
            rf"{_START}{_NUM}{_SP}(?:{_NAME}{_SP})?(?:{after})\.?(?!\w)",  # 18 Railway Street, 90 Petworth Rd
            rf"{_START}{_NUM}{_SP}(?:{before})\.?{_SP}(?:{_LOWER}{_SP}){{0,2}}{_NAME}(?!\w)",  # 14 rue du Président
            rf"{_START}(?:{before})\.?(?:{_SP}{_WORD}){{1,5}}{_SP}{_NUM}",  # Avenida Visconde Valmor 61
            # Blancefloerlaan 354, Motzstr. 72 (at least three letters before the ending)
            rf"{_START}(?:{_CAP}{_SP}){{0,2}}(?=[{_UPPER}])[^\W\d_][\w'’-]{{2,}}?(?:{glued})\.?{_SP}{_NUM}",
            rf"{_START}(?:{_CAP}{_SP}){{1,3}}(?:{after})\.?{_SP}{_NUM}",  # Gosposka ulica 58, Elm Street 5
            _UNIT,
            _BOX,
        )
        self._typed = [re.compile(pattern) for pattern in typed]
        self._number_first = re.compile(rf"{_START}{_HOUSE}{_SP}{_NAME}(?!\w)")
        super().__init__(
            supported_entity="STREET_ADDRESS",
            name="StewardStreetAddressRecognizer",
            patterns=[Pattern("street", r"(?!x)x", 0.0)],
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """STREET_ADDRESS results: typed streets score 0.85, untyped ones after a cue 0.6; adjacent lines merged."""
        if "STREET_ADDRESS" not in entities or not any(c.isdigit() for c in text):
            return []
        spans = [(m.start(), m.end(), 0.85) for regex in self._typed for m in regex.finditer(text)]
        spans += [(s, e, 0.6) for s, e in self._untyped_spans(text)]
        return [RecognizerResult("STREET_ADDRESS", s, e, score) for s, e, score in _merge(text, spans)]

    def _untyped_spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Name + number (the shortest cued name) and number + name, after a cue or alone on a line."""
        for match in _NUMBER.finditer(text):
            if _YEAR.fullmatch(match.group().rstrip(".")):
                continue
            words = list(_NAME_WORD.finditer(text, text.rfind("\n", 0, match.start()) + 1, match.start()))
            found = self._name_before(text, words, match.start(), match.end())
            if found is not None:
                yield found, match.end()
        for match in self._number_first.finditer(text):
            if self._cued(text, match.start(), match.end()) and not self._all_common(match.group()):
                yield match.start(), match.end()

    def _name_before(self, text: str, words: list[re.Match[str]], number: int, end: int) -> int | None:
        """Start of the shortest run of words ending at ``number`` that follows a cue, or None."""
        cursor = number
        for word in reversed(words[-4:]):
            if not _SP_RUN.fullmatch(text, word.end(), cursor):
                return None
            cursor = word.start()
            if word.group()[0].isupper() and self._cued(text, cursor, end):
                return None if self._all_common(text[cursor:number]) else cursor
        return None

    def _cued(self, text: str, start: int, end: int) -> bool:
        before = text[max(0, start - _CUE_LOOKBEHIND) : start]
        if _CUE.search(before):
            return True
        return bool(_LINE_START.search(before)) and bool(_LINE_END.match(text, end))

    def _all_common(self, value: str) -> bool:
        words = [w for w in re.findall(r"[^\W\d_]+", value) if len(w) > 1]
        return not words or all(self._names.is_common(w) for w in words)


def _merge(text: str, spans: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Overlapping spans, and spans separated only by a comma or a line break, joined (best score kept)."""
    merged: list[tuple[int, int, float]] = []
    for start, end, score in sorted(spans):
        if merged and (start <= merged[-1][1] or _JOINER.fullmatch(text, merged[-1][1], start)):
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), max(last[2], score))
        else:
            merged.append((start, end, score))
    return merged
