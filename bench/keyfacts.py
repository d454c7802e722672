"""The "key fact" check: does an answer contain the key tokens of the reference answer?

Key tokens of a reference answer (all compared case-insensitively):

* numbers: digit runs with inner ``.``/``,``/``:`` parts (``0.23``, ``15:00``, ``1,500``); a thousands comma
  is dropped (``1,500`` = ``1500``) and the number words one..twelve count as their digits (``Three`` = ``3``);
  a number matches only a whole number of the answer, spelled either way (``5`` does not match ``15``);
* channels (``#out-sick``) and slash commands (``/incident``), matched at the start of a word;
* capitalised names: every word that starts with a capital letter (``Harbor``, ``CET``, ``YubiKey``,
  ``SEV1``), except the reference's first word when it is an ordinary sentence opener (``Yes``, ``Within``,
  ``Every``...); matched at the start of a word of the answer, so ``EUR`` matches ``euros``.

An answer *hits* when it contains every key token of its reference; its *key-token recall* is the share
it contains. References without key tokens would be left out of both rates (the handbook set has none).
"""

from __future__ import annotations

import re

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
_OPENER_TEXT = "yes no up around at within every until on aim raise report post the a an for in from by about only"
ORDINARY_OPENERS = frozenset(_OPENER_TEXT.split(" "))
_NUMBER = re.compile(r"\b\d+(?:[.,:]\d+)*\b")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_CHANNEL_OR_COMMAND = re.compile(r"(?<![\w/#])[#/][a-z][a-z0-9_-]*", re.IGNORECASE)
_WORD = re.compile(r"\b[A-Za-z][A-Za-z0-9]*\b")


def numbers(text: str) -> set[str]:
    """The numbers in ``text``, normalised (thousands commas dropped, number words as digits)."""
    digits = {_THOUSANDS.sub("", n) for n in _NUMBER.findall(text)}
    return digits | {NUMBER_WORDS[w.lower()] for w in _NUMBER_WORD.findall(text)}


def _names(reference: str) -> set[str]:
    words = _WORD.findall(reference)
    first = _WORD.search(reference)
    starts_with_word = first is not None and first.start() == len(reference) - len(reference.lstrip())
    names = set()
    for i, word in enumerate(words):
        if not word[0].isupper() or word.lower() in NUMBER_WORDS:
            continue
        if i == 0 and starts_with_word and word.lower() in ORDINARY_OPENERS:
            continue
        names.add(word.lower())
    return names


def key_tokens(reference: str) -> set[str]:
    """Every key token of ``reference``, lower-cased (numbers normalised); see the module docstring."""
    marks = {m.lower() for m in _CHANNEL_OR_COMMAND.findall(reference)}
    return numbers(reference) | marks | _names(reference)


def _contains(answer: str, token: str, answer_numbers: set[str]) -> bool:
    if token[0].isdigit():
        return token in answer_numbers
    return re.search(r"(?<![\w#/])" + re.escape(token), answer, re.IGNORECASE) is not None


def key_fact_score(answer: str, reference: str) -> tuple[int, int]:
    """``(found, total)``: how many of the reference's key tokens ``answer`` contains."""
    tokens = key_tokens(reference)
    answer_numbers = numbers(answer)
    return sum(_contains(answer, t, answer_numbers) for t in tokens), len(tokens)
