"""Finding people's names with the gazetteer: a known given name before a family name, or a name in context."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from governance.pii.company import is_company
from governance.pii.gazetteer import NameGazetteer

# A word: letters with inner apostrophes or hyphens ("O'Neil", "Anne-Marie").
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_POSSESSIVE = ("'s", "’s")
# An elided particle glued to a family name: "d'Arc", "dell'Acqua", "O'Neil" needs none.
_ELISION = re.compile(r"^(?:d|l|dell|dall|degl|nell)['’](?=\w)")
# What may separate the parts of one name: blanks on the same line (after an initial, its dot too).
_GAP = re.compile(r"[ \t\u00a0]{1,3}")
_INITIAL_GAP = re.compile(r"\.?[ \t\u00a0]{1,3}")
# A character right before a word that makes it part of an identifier, path or address, not a name.
_GLUED_BEFORE = frozenset("_/\\#$%&*+=|~")
_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "die", "het", "del", "della", "dei", "degli", "di", "da", "das", "do", "dos"}
    | {"du", "la", "le", "les", "ten", "ter", "te", "bin", "ibn", "al", "el", "zu", "af", "av", "y"}
)
# Context right before a name (matched on the text that ends where the name starts).
_TITLE = re.compile(
    r"\b(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame|madam|herr|frau|mme|mlle|sr|sra|srta)\.?\s+$", re.IGNORECASE
)
_INTRO = re.compile(
    r"\b(?:my name is|my name's|my name’s|call me|i go by|says|said|asks|asked|writes|wrote|according to)\s+$",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"\b(?:name:|i am|i'm|i’m|this is|it's|it’s|here is|hi|hello|hey|dear|thanks|thank you|cheers|regards|best|"
    r"sincerely|signed)[,:!]?\s+$",
    re.IGNORECASE,
)
# Words before a person named alone: the object of a verb of telling or meeting ("given Klementyna his
# address", "shouted at Hilarion").
_OBJECT_CUE = re.compile(
    r"\b(?:told|met|given|gave|sent|thanked|emailed|messaged|pinged|cc|cc'd|"
    r"(?:shouted|yelled|smiled|waved|looked|stared|talked|spoke|replied|turned|nodded|laughed|wrote) (?:at|to))\s+$",
    re.IGNORECASE,
)
# What follows a person named alone as the subject ("Hahl began writing", "Bilić and Vida were").
_SUBJECT_VERB = re.compile(
    r" (?:and|had|has|was|is|will|would|could|did|said|says|asked|told|wrote|began|became|went|gave|took|"
    r"made|came|got|left|met|sent|sang|knew|thought|saw|ran|won|lost|found|kept|\w+ed)\b"
)
_LOOKBEHIND = 16  # characters of context examined before a name
_SENTENCE_START = re.compile(r"(?:^|[.!?:\n]|[.!?][\"'”’)])[ \t\"'“‘(]*$")
_AFTER_SUBJECT = re.compile(
    r"(?:[ \t]*[,;:!?)]|['’]s\b| (?:and|or|had|has|have|is|was|were|will|would|can|could|did|does|said|says|"
    r"asked|told|wrote|called|\w+ed)\b)"
)
# Prefixes after which a family name has an inner capital ("McDonald", "DeShawn", "VanDyke").
_NAME_PREFIX = re.compile(r"^(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von|Fitz)(?=[A-Z])")
_PART_SEPARATOR = re.compile(r"['’-]")


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    text: str


# A line that is only a name (a letter's or a signature's first line), after quote markers ("> ").
_NAME_LINE = re.compile(r"(?m)^[ \t>?*-]*(?P<name>[^\W\d_][\w'’.-]*(?:[ \t][^\W\d_][\w'’.-]*){1,3})[ \t]*$")
# Company suffixes: a line with one is a company, not a person ("Hornby Plc", "Morningstar Inc.").
_COMPANY = re.compile(r"(?i)inc|ltd|plc|llc|llp|lp|corp|co|gmbh|ag|sa|nv|bv|ab|oy|as|spa|srl|company|group")


def _union(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of both lists in text order, those of ``second`` only where they overlap none of ``first``."""
    extra = [s for s in second if not any(s[0] < e and b < s[1] for b, e in first)]
    return sorted(first + extra)


class NameFinder:
    """Finds PERSON spans by gazetteer lookups; a few set lookups per capitalised word.

    A name is found when

    - a known given name (of the main gazetteer or the wide names-dataset list) is followed by a family
      name: a known one, or a capitalised word that is not a
      common word ("Jodi Shepard", "Anna K. Nowak", "Jan van der Berg", "Mary Ann Smith"); a given name that
      is also a common word ("Will", "May") needs a known family name that is not one ("Will Smith");
    - a title, an introduction or a reporting verb comes first ("Dr. Young", "my name is Zed", "says
      Abramowitz"): a known name, or any
      capitalised word that is not a common word;
    - a greeting or self-introduction comes first and a capitalised word that is no common word follows
      ("Hi Jodi", "Hi Szabina", "I'm Jodi");
    - a known given name that is no common word stands alone ("Marius asked");
    - a line holds nothing but a name (see ``_name_lines``).

    Words the gazetteer does not know never have inner capitals ("GitLab", "PyYAML"; "McDonald" is fine).
    The parts of a name are separated by blanks on one line. Words in ``allow`` (case-insensitive) are
    never part of a name.
    """

    score = 0.85

    def __init__(self, gazetteer: NameGazetteer, allow: Iterable[str] = ()) -> None:
        self._names = gazetteer
        self._allow = frozenset(word.strip().casefold() for word in allow)

    def find(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of each name in ``text``, in text order, not overlapping."""
        words = _words(text)
        spans: list[tuple[int, int]] = []
        index = 0
        while index < len(words):
            end = self._name_at(text, words, index)
            if end is None:
                index += 1
                continue
            if not is_company(text, words[index].start, words[end].end):
                spans.append((words[index].start, words[end].end))
            index = end + 1
        return _union(spans, self._name_lines(text))

    def _name_lines(self, text: str) -> list[tuple[int, int]]:
        """Lines that hold only a name ("Tesmija Ziherl" above an address block).

        Two to four capitalised words, none a common word or a company suffix, one of them a known name
        unless the line is the text's first.
        """
        spans = []
        for line in _NAME_LINE.finditer(text):
            parts = [p.rstrip(".,") for p in line.group("name").split()]
            inner = parts[1:-1]  # a particle may join the parts ("Paien de Launay")
            names = [p for p in parts if len(p) > 1 and not (p in inner and p.casefold() in _PARTICLES)]
            if len(names) < 2 or not all(self._line_word(p) for p in names):
                continue
            if line.start() == 0 or any(self._names.is_name(p) for p in names):
                spans.append((line.start("name"), line.end("name")))
        return spans

    def _line_word(self, word: str) -> bool:
        if not self._capitalised(word) or not _plain(word) or _COMPANY.fullmatch(word):
            return False
        return self._names.is_name(word) or not self._names.is_common(word)

    def _name_at(self, text: str, words: list[_Word], index: int) -> int | None:
        """Index of the last word of a name starting at ``words[index]``, or None."""
        word = words[index]
        if not self._capitalised(word.text):
            return None
        first, ambiguous = self._names.is_first(word.text), self._names.is_ambiguous_first(word.text)
        if first or ambiguous or self._names.is_wide_first(word.text):
            tail = self._family_name(text, words, index, strict=ambiguous)
            if tail is not None:
                return tail
        context = _context(text, word.start)
        if context in ("title", "intro"):
            if not self._names.is_name(word.text) and (self._names.is_common(word.text) or not _plain(word.text)):
                return None
            tail = self._family_name(text, words, index, strict=False)
            return index if tail is None else tail
        if context != "greeting":
            if first and self._names.is_first(word.text) and _alone_as_name(text, word):
                return index
            return self._cued_name(text, words, index)
        if first or (len(word.text) > 1 and not self._names.is_common(word.text) and _plain(word.text)):
            tail = self._family_name(text, words, index, strict=False)
            return index if tail is None else tail
        return None

    def _cued_name(self, text: str, words: list[_Word], index: int) -> int | None:
        """Index of the last word of a wide-list name where the words around say a person is meant, or None.

        The name is one word of the wide lists, or a capitalised word that is no common word before one
        ("Ancelina Allaire's"). It comes before a possessive ("Donát's address"), as the subject at a
        sentence start ("Hahl began", "Bilić and Vida"), or after a verb of telling or meeting ("given
        Klementyna his address").
        """
        word, last = words[index], index
        if index + 1 < len(words) and self._pair(text, word, words[index + 1]):
            last = index + 1
        elif not self._wide_word(word.text):
            return None
        end = words[last].end
        if text.startswith(_POSSESSIVE, end) or _OBJECT_CUE.search(text, max(0, word.start - 24), word.start):
            return last
        if _SENTENCE_START.search(text, 0, word.start) and _SUBJECT_VERB.match(text, end):
            return last
        return None

    def _wide_word(self, word: str) -> bool:
        return len(word) > 2 and _plain(word) and self._capitalised(word) and self._names.is_wide_name(word)

    def _pair(self, text: str, word: _Word, following: _Word) -> bool:
        """A capitalised word that is no common word, then a wide-list name, on one line."""
        if not _GAP.fullmatch(text, word.end, following.start) or not self._wide_word(following.text):
            return False
        return len(word.text) > 1 and _plain(word.text) and not self._names.is_common(word.text)

    def _family_name(self, text: str, words: list[_Word], index: int, strict: bool) -> int | None:
        """Index of the last family-name word after the given name ``words[index]``, or None."""
        last: int | None = None
        pending_initial = pending_particle = False
        for position in range(index + 1, min(index + 6, len(words))):
            previous, word = words[position - 1], words[position]
            gap = _INITIAL_GAP if pending_initial else _GAP
            if not gap.fullmatch(text, previous.end, word.start):
                break
            key = word.text.casefold()
            if last is None and not strict and _is_initial(text, word) and not pending_initial:
                pending_initial = True
            elif key in _PARTICLES:
                pending_particle = True
            elif self._is_family(word.text, strict, first=last is None, after_particle=pending_particle):
                last, pending_initial, pending_particle = position, False, False
            else:
                break
        return last

    def _is_family(self, word: str, strict: bool, first: bool, after_particle: bool) -> bool:
        """Whether ``word`` can be (the first or a further) part of a family name."""
        word = _ELISION.sub("", word)
        if not self._capitalised(word, known=self._names.is_last(word)):
            return False
        known, common = self._names.is_last(word), self._names.is_common(word)
        if strict:
            return known and not common
        if first or after_particle:
            return known or (not common and _plain(word))
        return known and not common

    def _capitalised(self, word: str, known: bool = False) -> bool:
        """Capitalised, not in the allow list; all capitals only for known names (not "HR", "IBAN")."""
        if not word[0].isupper() or word.casefold() in self._allow:
            return False
        return known or len(word) == 1 or not word.isupper()


def _alone_as_name(text: str, word: _Word) -> bool:
    """A lone given name: mid-sentence, or at a sentence start before what follows a subject ("Marius asked").

    At a sentence start a given name may be an imperative verb ("Grant access", "Bill the client").
    """
    if not _SENTENCE_START.search(text, 0, word.start):
        return True
    return bool(_AFTER_SUBJECT.match(text, word.end))


def _words(text: str) -> list[_Word]:
    """The words of ``text`` that are not part of an identifier, possessive endings cut off ("Shepard's")."""
    words = []
    for match in _WORD.finditer(text):
        start, end, word = match.start(), match.end(), match.group()
        if _glued(text, start, end):
            continue
        if word.endswith(_POSSESSIVE) and len(word) > 3:
            end, word = end - 2, word[:-2]
        words.append(_Word(start, end, word))
    return words


def _glued(text: str, start: int, end: int) -> bool:
    """Whether the word touches a digit, an underscore or a path character ("Jinja2", "a/B", "a_B").

    A dot does not glue: "done.Jodi Shepard" is a missing blank more often than an identifier.
    """
    if start > 0 and (text[start - 1] in _GLUED_BEFORE or text[start - 1].isalnum()):
        return True
    return end < len(text) and (text[end].isalnum() or text[end] == "_")


def _plain(word: str) -> bool:
    """No capital inside a word part, except after a name prefix: not "GitLab", "PyYAML"; "McDonald" is fine."""
    parts = _PART_SEPARATOR.split(_NAME_PREFIX.sub("", word))
    return not any(char.isupper() for part in parts for char in part[1:])


def _is_initial(text: str, word: _Word) -> bool:
    """A middle initial: one capital letter, followed by a dot unless it is not "I" ("Anna K Nowak")."""
    if len(word.text) != 1 or not word.text.isupper():
        return False
    return word.text != "I" or text.startswith(".", word.end)


def _context(text: str, start: int) -> str:
    """``title``, ``intro``, ``greeting`` or ``""``: what the text right before ``start`` says about a name."""
    before = text[max(0, start - _LOOKBEHIND) : start]
    if _TITLE.search(before):
        return "title"
    if _INTRO.search(before):
        return "intro"
    if _GREETING.search(before):
        return "greeting"
    return ""
