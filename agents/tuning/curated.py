"""Curated training examples from a reference QA set (e.g. the training part of the handbook QA split).

Each answerable item becomes the answer the production prompt asks for: the reference answer in one
short sentence, citing the fact that supports it (``... [2].``). Each unanswerable item becomes a plain
"I don't know" that says the facts do not answer it. These are the examples a team would write as
admin corrections; they are the honest way to build a first adapter before feedback accumulates.
"""

from __future__ import annotations

from collections.abc import Iterable

from agents.eval.items import DomainItem
from agents.grounding import content_terms
from agents.tuning.records import SFTExample

SOURCE_CURATED = "curated"
ABSTAIN_ANSWER = "I don't know: the facts given do not answer that."


def supporting_fact(item: DomainItem) -> int:
    """1-based number of the fact sharing the most content terms with the reference answer."""
    wanted = content_terms(item.reference)
    overlaps = [len(wanted & content_terms(fact)) for fact in item.facts]
    return overlaps.index(max(overlaps)) + 1 if overlaps else 1


def target_answer(item: DomainItem) -> str:
    """The reference answer as one cited sentence, or the abstention for an unanswerable item."""
    if not item.answerable:
        return ABSTAIN_ANSWER
    sentence = item.reference.strip().rstrip(".")
    return f"{sentence[:1].upper()}{sentence[1:]} [{supporting_fact(item)}]."


def curated_examples(items: Iterable[DomainItem]) -> list[SFTExample]:
    """SFT examples (shown with the item's facts) for every item."""
    return [SFTExample(item.question, target_answer(item), SOURCE_CURATED, None, None, item.facts) for item in items]
