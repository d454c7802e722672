"""Choosing which candidate spans to replace: no overlaps, nothing inside an existing placeholder."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from governance.pii.entity import PIIEntity
from governance.pii.pseudonyms import PLACEHOLDER

# Kinds whose span may be cut short where a longer span of another kind begins (a name the NER ran on into
# an address); a number is either whole or not at all.
_TRIMMED_KINDS = frozenset({"PERSON"})


def select(text: str, candidates: Iterable[PIIEntity]) -> list[PIIEntity]:
    """Non-overlapping spans in text order; on overlap the longer span wins, then the higher score.

    A losing PERSON span that starts before the winner keeps its part before it.
    """
    starts: list[int] = []
    ends: list[int] = []
    for match in PLACEHOLDER.finditer(text):
        _claim(starts, ends, match.start(), match.end())
    ranked = sorted(candidates, key=lambda e: (-e.length, -e.score, e.start))
    chosen = []
    for entity in ranked:
        if _claim(starts, ends, entity.start, entity.end):
            chosen.append(entity)
        elif entity.kind in _TRIMMED_KINDS:
            trimmed = _trim(text, starts, entity)
            if trimmed is not None and _claim(starts, ends, trimmed.start, trimmed.end):
                chosen.append(trimmed)
    return sorted(chosen, key=lambda e: e.start)


def _trim(text: str, starts: list[int], entity: PIIEntity) -> PIIEntity | None:
    """The part of a name before the first span that took its tail ("Anna Shah" of "Anna Shah Suite 4")."""
    index = bisect_left(starts, entity.start + 1)
    if index >= len(starts) or starts[index] >= entity.end:
        return None
    end = entity.start + len(text[entity.start : starts[index]].rstrip(" \t\n,;:-"))
    return PIIEntity(entity.kind, entity.start, end, entity.score) if end - entity.start >= 2 else None


def replace(text: str, replacements: Iterable[tuple[PIIEntity, str]]) -> str:
    """``text`` with each entity's span replaced; entities must be disjoint and in text order."""
    parts: list[str] = []
    cursor = 0
    for entity, placeholder in replacements:
        parts += [text[cursor : entity.start], placeholder]
        cursor = entity.end
    parts.append(text[cursor:])
    return "".join(parts)


def _claim(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    """Add [start, end) to the sorted disjoint intervals unless it overlaps one (O(log n) lookup)."""
    index = bisect_left(starts, start)
    if index > 0 and ends[index - 1] > start:
        return False
    if index < len(starts) and starts[index] < end:
        return False
    starts.insert(index, start)
    ends.insert(index, end)
    return True
