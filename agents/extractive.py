"""What a quoted sentence must be to answer a question: a whole sentence, of the kind of fact asked for.

- ``question_kind``: "how much" asks for an amount, "how many/long/often" for a count, "when" for a time or
  date, "who" for a person, role or team, "how do I" for a step to take; others for no particular kind.
- ``holds``: whether a sentence holds that kind of fact.
- ``range_fit``: a number in the question ("three years") against the ranges a sentence states ("more than
  2 years"): +1 when it falls inside one, -1 when the sentence states ranges and it falls in none.
- ``quotable``: never a question, a lead-in ending with ":", a table row, or a fragment cut mid-sentence.
"""

from __future__ import annotations

import re

_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty"
)
_WORD_NUMBERS = {w: n for n, w in enumerate(_NUMBER_WORDS.split())}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|\b(?:" + "|".join(_WORD_NUMBERS) + r")\b", re.IGNORECASE)
_KINDS = (
    ("count", re.compile(r"\bhow (?:many|long|often|far|soon|old|big)\b|\bnumber of\b", re.IGNORECASE)),
    ("amount", re.compile(r"\bhow much\b|\bwhat(?:'s| is| are)? the (?:cost|price|limit|cap|budget|rate)\b", re.I)),
    ("time", re.compile(r"\bwhen\b|\bwhat (?:time|day|date)\b|\buntil what\b|\bby what\b|\bdeadline\b", re.I)),
    ("person", re.compile(r"\bwho(?:m|se)?\b|\bwhich (?:team|person|people|role|group)\b", re.IGNORECASE)),
    ("procedure", re.compile(r"\bhow (?:do|can|should|would|to|does)\b|\bwhat(?:'s| is) the (?:way|process)\b", re.I)),
)
_ACTION = re.compile(
    r"\b(?:submit|use|request|ask|fill|file|book|send|contact|go|open|click|run|call|email|message|raise|report|"
    r"claim|apply|register|enter|select|type|install|set|add|create|write|tell|post|upload|through|via|using)\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:not|never|don't|doesn't|can't|cannot|won't|no)\b", re.IGNORECASE)
_TIME = re.compile(
    r"\d|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|morning|afternoon|evening|noon|midnight|day|days|week|"
    r"weeks|month|months|year|years|quarter|hour|hours|minutes|before|after|within|until|by|daily|weekly|"
    r"monthly|quarterly|annually|yearly|immediately|first|last|end|start|once|twice)\b",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"\b(?:manager|lead|team|officer|controller|counsel|partner|head|director|owner|engineer|admin|"
    r"administrator|desk|department|committee|board|person|people|colleague|staff|hr|finance|security|legal|"
    r"it|support|maintainer|author|user|root|developer|reviewer|approver|ceo|cto|cfo)s?\b",
    re.IGNORECASE,
)
_PROPER = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-Z][a-z]+")
_DANGLING_TEXT = (
    "a an the to of and or nor but must should will would can could may might is are was were be been "
    "for with if when that which who in on at by as than your our their its there's from into"
)
_DANGLING = frozenset(_DANGLING_TEXT.split())
_SECTION_NUMBER = re.compile(r"(?:^|\s)\d+(?:\.\d+)+\.?$")
_RANGES = (
    (re.compile(r"\b(?:more than|over|above|greater than|longer than)\s+(\S+)", re.I), "gt"),
    (re.compile(r"\b(?:at least|minimum(?: of)?|from)\s+(\S+)", re.I), "ge"),
    (re.compile(r"\b(?:up to|at most|maximum(?: of)?|no more than)\s+(\S+)", re.I), "le"),
    (re.compile(r"\b(?:less than|under|below|fewer than|shorter than)\s+(\S+)", re.I), "lt"),
    (re.compile(r"\b(?:between\s+)?(\d[\d.,]*)\s*(?:to|-|–|and)\s*(\d[\d.,]*)\b", re.I), "between"),
)


def _value(token: str) -> float | None:
    token = token.lower().strip(".,;:()")
    if token in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[token])
    try:
        return float(token.replace(",", ""))
    except ValueError:
        return None


def numbers(text: str) -> list[float]:
    """Numbers written in ``text``, in digits or as words (one to twenty)."""
    found = (_value(m.group(0)) for m in _NUMBER.finditer(text))
    return [n for n in found if n is not None]


def _unit_after(text: str, end: int) -> str:
    match = re.match(r"\s*([A-Za-z€$£%]+)", text[end:])
    return match.group(1).lower()[:4] if match else ""


def _quantities(text: str) -> list[tuple[float, str]]:
    """``(value, unit stem)`` for each number of ``text``; the unit is the word after it, if any."""
    out = []
    for match in _NUMBER.finditer(text):
        value = _value(match.group(0))
        if value is not None:
            out.append((value, _unit_after(text, match.end())))
    return out


def question_kind(question: str) -> str | None:
    """``count``, ``amount``, ``time``, ``person`` or None: the kind of fact the question asks for."""
    return next((kind for kind, pattern in _KINDS if pattern.search(question)), None)


def holds(kind: str | None, sentence: str) -> bool:
    """Whether ``sentence`` holds a fact of ``kind`` (always true when no kind is asked)."""
    if kind is None:
        return True
    if kind in ("count", "amount"):
        return bool(numbers(sentence) or re.search(r"\b(?:free|unlimited|no limit|half|double)\b", sentence, re.I))
    if kind == "procedure":
        return bool(_ACTION.search(sentence)) and not _NEGATED.search(sentence)
    if kind == "time":
        return bool(_TIME.search(sentence))
    return bool(_ROLE.search(sentence) or _PROPER.search(sentence))


def polarity_clash(question: str, sentence: str) -> bool:
    """A negated sentence for an open question that is not negated.

    "How do I get reimbursed?" is not answered by "what we don't reimburse: ..."; a yes/no question may
    well be answered by a "no", so it never clashes.
    """
    q = question.strip().lower()
    yes_no = re.match(r"(?:is|are|can|could|do|does|did|may|should|will|would|am|have|has)\b", q) is not None
    return not yes_no and not _NEGATED.search(q) and bool(_NEGATED.search(sentence))


def _satisfies(value: float, op: str, bounds: tuple[float, ...]) -> bool:
    if op == "between":
        return bounds[0] <= value <= bounds[1]
    limit = bounds[0]
    return {"gt": value > limit, "ge": value >= limit, "le": value <= limit, "lt": value < limit}[op]


def _ranges(sentence: str) -> list[tuple[str, tuple[float, ...], str]]:
    found = []
    for pattern, op in _RANGES:
        for match in pattern.finditer(sentence):
            bounds = tuple(v for v in (_value(g) for g in match.groups()) if v is not None)
            if len(bounds) == (2 if op == "between" else 1):
                found.append((op, bounds, _unit_after(sentence, match.end())))
    return found


def range_fit(question: str, sentence: str) -> int:
    """Whether the question's number falls in a range the sentence states: +1 yes, -1 no, 0 nothing to compare.

    A range and a number are compared only when they name the same unit or one of them names none.
    """
    asked = _quantities(question)
    ranges = [(op, b, unit) for op, b, unit in _ranges(sentence) if any(_same(unit, u) for _, u in asked)]
    if not asked or not ranges:
        return 0
    return 1 if any(_satisfies(v, op, b) for v, u in asked for op, b, unit in ranges if _same(unit, u)) else -1


def _same(a: str, b: str) -> bool:
    return not a or not b or a == b


def quotable(sentence: str, last: bool = False) -> bool:
    """A whole sentence worth quoting: no question, lead-in, table row, contents line or fragment.

    ``last``: it ends its passage, where a chunk boundary may have cut it, so it must end like a sentence.
    """
    text = sentence.strip()
    words = re.findall(r"[\w'’-]+", text)
    if len(words) < 4 or "|" in text or text.endswith(("?", ":", ",", ";")):
        return False
    if _SECTION_NUMBER.search(text):
        return False  # a table-of-contents line ("Making the disk image file 9.7.2.")
    finished = text.rstrip("\"')]*").endswith((".", "!"))
    if text[0].islower() or (words[-1].lower() in _DANGLING and not finished):
        return False
    return finished or not last
