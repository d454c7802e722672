"""spaCy's PERSON results, checked against the name gazetteer when they are a single word."""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from governance.pii.company import is_company
from governance.pii.gazetteer import NameGazetteer

_POSSESSIVE = ("'s", "’s")
# Words before a place or a thing rather than a person: "in Austin", "to Berlin", "the Will".
_PLACE_CUES = frozenset({"in", "at", "to", "from", "near", "via", "into", "around", "across", "the", "of"})
_LAST_WORD = re.compile(r"(\w+)\W*$")
# A PERSON span with digits, an @ or angle brackets is an NER slip (part of an address, a placeholder…).
_NOT_A_NAME = re.compile(r"[\d@<>]")


def _first_line_end(text: str, start: int, end: int) -> int:
    """``end``, or the end of the span's first line when the NER ran a name on into the next line."""
    newline = text.find("\n", start, end)
    return end if newline < 0 else len(text[start:newline].rstrip()) + start


class CheckedSpacyRecognizer(SpacyRecognizer):
    """Presidio's spaCy recognizer minus one-word PERSON results that are no known name ("Jira", "Password").

    The small English model takes product names and capitalised words for people; a single word is kept as a
    name only when the gazetteer knows it as a given or family name, and a name that is also a common word or
    a place is dropped after "in", "to", "the"… ("in Austin"). Longer PERSON spans are kept, less a trailing
    possessive "'s" (so they match the gazetteer's spans), cut at the end of their first line, and dropped
    when they hold a digit, an @ or angle brackets, or are a company's name ("Hornby Plc").
    """

    def __init__(self, gazetteer: NameGazetteer, supported_entities: list[str]) -> None:
        self._names = gazetteer
        super().__init__(supported_language="en", supported_entities=supported_entities)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """The NER's results for ``entities``; PERSON results lose a possessive "'s" and must be plausible names."""
        results = super().analyze(text, entities, nlp_artifacts)
        for result in results:
            if result.entity_type != "PERSON":
                continue
            result.end = _first_line_end(text, result.start, result.end)
            if text.endswith(_POSSESSIVE, result.start, result.end):
                result.end -= 2
        return [result for result in results if result.entity_type != "PERSON" or self._plausible(text, result)]

    def _plausible(self, text: str, result: RecognizerResult) -> bool:
        value = text[result.start : result.end]
        if _NOT_A_NAME.search(value) or is_company(text, result.start, result.end):
            return False  # before Presidio's de-duplication, so a gazetteer name inside it survives
        words = value.split()
        if len(words) != 1:
            return True
        word = words[0].strip(".,;:!?\"'()[]")
        if not self._names.is_name(word):
            return False
        if not self._names.is_common(word):
            return True
        before = _LAST_WORD.search(text[max(0, result.start - 40) : result.start])
        return before is None or before.group(1).casefold() not in _PLACE_CUES
