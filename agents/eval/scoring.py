"""Scoring one answer against a reference: exact match, key facts, ROUGE-L, abstention.

*Key facts* of a reference answer are its load-bearing tokens, compared case-insensitively:

* numbers (``0.23``, ``15:00``, ``1,500`` = ``1500``; the words one..twelve count as digits), matched only
  as whole numbers of the answer, spelled either way;
* channels (``#out-sick``) and slash commands (``/incident``);
* capitalised words (``Harbor``, ``CET``, ``TravelPerk``) except an ordinary sentence opener.

An answer is *correct* when it equals the reference after normalisation, or contains every key fact.
ROUGE-L is the F1 of the longest common subsequence of the two word sequences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
}
_OPENERS = frozenset(
    [
        "yes",
        "no",
        "up",
        "around",
        "at",
        "within",
        "every",
        "until",
        "on",
        "aim",
        "raise",
        "report",
        "post",
        "the",
        "a",
        "an",
        "for",
        "in",
        "from",
        "by",
        "about",
        "only",
        "it",
    ]
)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:]\d+)*")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_CHANNEL_OR_COMMAND = re.compile(r"(?<![\w/#])[#/][a-z][a-z0-9_-]*", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_TOKEN = re.compile(r"[a-z0-9]+")
_MARKER = re.compile(r"\[\d+\]")
_ABSTAIN = re.compile(
    r"\b(i (?:do not|don't|cannot|can't) (?:know|say|tell|answer|find)|not (?:sure|certain)|"
    r"(?:do|does|did) not (?:say|mention|contain|include|answer|cover|state)|(?:doesn't|don't|didn't) "
    r"(?:say|mention|contain|include|answer|cover|state)|no information|not (?:mentioned|stated|covered|given|"
    r"provided|in the facts)|unable to (?:answer|find|say)|cannot be (?:answered|determined))\b",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """Lower-case words and numbers only: citation markers, punctuation and extra spaces removed."""
    return " ".join(_TOKEN.findall(_MARKER.sub(" ", text.lower())))


def words(text: str) -> list[str]:
    """The normalised word sequence of ``text``."""
    return normalise(text).split()


def numbers(text: str) -> set[str]:
    """The numbers in ``text``, normalised (thousands commas dropped, number words as digits)."""
    plain = _MARKER.sub(" ", text)
    found = {_THOUSANDS.sub("", n).rstrip(".,:") for n in _NUMBER.findall(plain)}
    return found | {NUMBER_WORDS[w.lower()] for w in _NUMBER_WORD.findall(plain)}


def _names(reference: str) -> set[str]:
    found = _WORD.findall(reference)
    opener = reference.strip()[:1].isalpha()
    names = set()
    for i, word in enumerate(found):
        if not word[0].isupper() or word.lower() in NUMBER_WORDS:
            continue
        if i == 0 and opener and word.lower() in _OPENERS:
            continue
        names.add(word.lower())
    return names


def key_facts(reference: str) -> tuple[str, ...]:
    """The reference's key facts, lower-cased and sorted (see the module docstring)."""
    marks = {m.lower() for m in _CHANNEL_OR_COMMAND.findall(reference)}
    return tuple(sorted(numbers(reference) | marks | _names(reference)))


def _contains(answer: str, fact: str, answer_numbers: set[str]) -> bool:
    if fact[0].isdigit():
        return fact in answer_numbers
    return re.search(r"(?<![\w#/])" + re.escape(fact), answer, re.IGNORECASE) is not None


def key_fact_counts(answer: str, reference: str) -> tuple[int, int]:
    """``(found, total)``: how many of the reference's key facts ``answer`` contains."""
    facts = key_facts(reference)
    answer_numbers = numbers(answer)
    return sum(_contains(answer, f, answer_numbers) for f in facts), len(facts)


def key_fact_recall(answer: str, facts: Iterable[str]) -> float:
    """Share of ``facts`` found in ``answer`` (1.0 when there are none)."""
    facts = list(facts)
    if not facts:
        return 1.0
    answer_numbers = numbers(answer)
    return sum(_contains(answer, f.lower(), answer_numbers) for f in facts) / len(facts)


def exact_match(answer: str, reference: str) -> bool:
    """Equal after normalisation (case, punctuation, citation markers ignored)."""
    return normalise(answer) == normalise(reference)


def is_correct(answer: str, reference: str, facts: Iterable[str] | None = None) -> bool:
    """Exact match, or every key fact (given, else derived from ``reference``) is in the answer."""
    wanted = key_facts(reference) if facts is None else tuple(facts)
    return exact_match(answer, reference) or (bool(wanted) and key_fact_recall(answer, wanted) == 1.0)


def contains_any(answer: str, accepted: Iterable[str]) -> bool:
    """Whether any accepted answer appears in ``answer`` as whole words (case and punctuation ignored)."""
    padded = f" {normalise(answer)} "
    return any(f" {normalise(a)} " in padded for a in accepted if normalise(a))


def lcs_length(left: list[str], right: list[str]) -> int:
    """Length of the longest common subsequence of two token lists (dynamic programming, O(n·m))."""
    if not left or not right:
        return 0
    previous = [0] * (len(right) + 1)
    for token in left:
        current = [0]
        for j, other in enumerate(right, start=1):
            current.append(previous[j - 1] + 1 if token == other else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(answer: str, reference: str) -> float:
    """ROUGE-L F1 of the normalised word sequences (0..1)."""
    candidate, target = words(answer), words(reference)
    common = lcs_length(candidate, target)
    if common == 0:
        return 0.0
    precision, recall = common / len(candidate), common / len(target)
    return 2 * precision * recall / (precision + recall)


def abstains(answer: str) -> bool:
    """Whether the answer declines to answer (says it does not know, or that the facts do not say)."""
    return bool(_ABSTAIN.search(answer)) or not answer.strip()
