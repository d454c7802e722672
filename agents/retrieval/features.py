"""Lexical features of a (question, passage) pair: light stemming, word coverage, adjacent word pairs.

No model and no index: every feature is computed from the question and the candidates' own text, so it
costs well under a millisecond per candidate and nothing at ingest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORD = re.compile(r"[a-z0-9][a-z0-9_+.\-]*[a-z0-9+]|[a-z0-9]")
# Function words and chat filler: they match everywhere and say nothing about which page answers.
_STOPWORDS = """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further get got had has have having he
    her here hers him his how i if in into is it its itself just me more most my myself no nor not now of off on
    once only or other our ours out over own same she should so some such than that the their them then there
    these they this those through to too under until up very was way we were what when where which while who
    whom why will with would you your yours yourself anyone anything someone something thing things want wants
    need needs use using used please tell know let like one ones also much many"""
STOPWORDS = frozenset(_STOPWORDS.split())
_IDENTIFIER = re.compile(r"\d|[._/+\-]")
_SIBILANT_ES = ("ses", "xes", "zes", "ches", "shes", "ies")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ness", "ments", "ment", "ies", "ied", "ers", "er", "ed", "es", "s")


def stem(word: str) -> str:
    """A light suffix-stripping stem (``rotations`` and ``rotation`` meet; short words are kept as they are)."""
    if word.endswith("es") and not word.endswith(_SIBILANT_ES):
        word = word[:-1]  # "allowances" -> "allowance"; "boxes", "batches" lose the whole "es"
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            return word + "y" if suffix in ("ies", "ied") else word
    return word


def terms(text: str) -> list[str]:
    """Stemmed content words of ``text``, in order (stopwords dropped)."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def identifiers(text: str) -> set[str]:
    """Words that look like codes or names: with a digit or an inner ``. _ / + -`` (``E4711``, ``sources.list``)."""
    return {w for w in _WORD.findall(text.lower()) if len(w) > 1 and _IDENTIFIER.search(w)}


def coverage(question: Sequence[str], field: Sequence[str]) -> float:
    """Share of the distinct question terms that occur in ``field``."""
    wanted = set(question)
    return len(wanted & set(field)) / len(wanted) if wanted else 0.0


def bigram_hits(question: Sequence[str], field: Sequence[str]) -> float:
    """Share of the question's adjacent term pairs that occur adjacent in ``field``."""
    pairs = set(zip(question, question[1:], strict=False))
    if not pairs:
        return 0.0
    return len(pairs & set(zip(field, field[1:], strict=False))) / len(pairs)
