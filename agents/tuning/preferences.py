"""Turning votes and admin corrections into DPO preference pairs and SFT examples.

Pairs come from three sources:

* **regenerate**: a 👎 answer, then a 👍 answer regenerated from it (directly or through a chain of
  regenerations) in the same thread;
* **near_duplicate**: a 👍 answer and a 👎 answer to two questions whose embeddings have a cosine
  similarity at or above ``PreferenceSettings.similarity_threshold``;
* **correction**: an admin's corrected answer (chosen) against the 👎 answers to that question in the
  thread, or the original answer when nobody voted it down.

Votes are first summed per answer (several users may vote on one answer): a positive sum is 👍, a
negative one 👎, zero is a tie and is ignored. A record with ``rating`` 0 is an answer shown without a
vote; it is never a 👍 or 👎, but corrections and regeneration chains can still refer to it. Pairs and
examples are deduplicated on their normalised texts; what was dropped is counted in ``filtered``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from agents.tuning.config import PreferenceSettings
from agents.tuning.records import (
    SOURCE_CORRECTION,
    SOURCE_NEAR_DUPLICATE,
    SOURCE_PRIORITY,
    SOURCE_REGENERATE,
    SOURCE_THUMBS_UP,
    Correction,
    FeedbackRecord,
    PreferencePair,
    PreferenceSet,
    SFTExample,
)

Embed = Callable[[list[str]], np.ndarray]
_SPACE = re.compile(r"\s+")
FILTERS = (
    "invalid_rating",
    "tied_votes",
    "corrections_without_answer",
    "empty_text",
    "chosen_equals_rejected",
    "duplicate_pairs",
    "duplicate_sft",
)


def normalise(text: str) -> str:
    """Lower-cased, whitespace collapsed: the key texts are compared on."""
    return _SPACE.sub(" ", text).strip().lower()


def parse_correction(text: str, settings: PreferenceSettings) -> str | None:
    """The corrected answer in an admin reply that starts with the correction prefix (any case), else ``None``."""
    stripped = text.lstrip()
    if not stripped.lower().startswith(settings.correction_prefix.lower()):
        return None
    answer = stripped[len(settings.correction_prefix) :].lstrip(" :\t\n-").strip()
    return answer or None


def _answers(
    records: Iterable[FeedbackRecord], filtered: Counter[str]
) -> tuple[dict[str, FeedbackRecord], dict[str, int]]:
    """One record per answer (its earliest) and each answer's summed vote."""
    first: dict[str, FeedbackRecord] = {}
    votes: dict[str, int] = {}
    voted: set[str] = set()
    for record in sorted(records, key=lambda r: (r.created_at, r.answer_id, r.user)):
        if record.rating not in (-1, 0, 1):
            filtered["invalid_rating"] += 1
            continue
        first.setdefault(record.answer_id, record)
        votes[record.answer_id] = votes.get(record.answer_id, 0) + record.rating
        if record.rating:
            voted.add(record.answer_id)
    filtered["tied_votes"] += sum(1 for a in voted if votes[a] == 0)
    return first, votes


def _pair(chosen: FeedbackRecord, rejected: FeedbackRecord, source: str) -> PreferencePair:
    return PreferencePair(
        prompt=chosen.question,
        chosen=chosen.answer,
        rejected=rejected.answer,
        source=source,
        chosen_id=chosen.answer_id,
        rejected_id=rejected.answer_id,
        thread_key=chosen.thread_key,
        facts=chosen.facts,
        created_at=chosen.created_at,
    )


def regenerate_pairs(answers: dict[str, FeedbackRecord], votes: dict[str, int]) -> list[PreferencePair]:
    """👍 regenerated answers against every 👎 answer they replaced (following the chain) in the thread."""
    pairs = []
    for good in answers.values():
        if votes[good.answer_id] <= 0:
            continue
        seen = {good.answer_id}
        previous = good.regenerated_from
        while previous is not None and previous in answers and previous not in seen:
            seen.add(previous)
            earlier = answers[previous]
            if earlier.thread_key == good.thread_key and votes[previous] < 0:
                pairs.append(_pair(good, earlier, SOURCE_REGENERATE))
            previous = earlier.regenerated_from
    return pairs


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def near_duplicate_pairs(
    answers: dict[str, FeedbackRecord], votes: dict[str, int], embed: Embed, threshold: float
) -> list[PreferencePair]:
    """👍 against 👎 answers whose questions are near-duplicates (cosine similarity ≥ ``threshold``)."""
    ups = [r for a, r in answers.items() if votes[a] > 0]
    downs = [r for a, r in answers.items() if votes[a] < 0]
    if not ups or not downs:
        return []
    questions = sorted({r.question for r in ups + downs})
    index = {q: i for i, q in enumerate(questions)}
    unit = _unit_rows(embed(questions))
    similarity = unit @ unit.T
    return [
        _pair(up, down, SOURCE_NEAR_DUPLICATE)
        for up in ups
        for down in downs
        if similarity[index[up.question], index[down.question]] >= threshold
    ]


def _corrected_answers(
    correction: Correction, answers: dict[str, FeedbackRecord], votes: dict[str, int]
) -> list[FeedbackRecord]:
    """The thread's 👎 answers to the corrected question, else its original answer to it."""
    in_thread = [r for r in answers.values() if r.thread_key == correction.thread_key]
    same_question = [r for r in in_thread if normalise(r.question) == normalise(correction.question)]
    candidates = same_question or in_thread
    downvoted = [r for r in candidates if votes[r.answer_id] < 0]
    if downvoted:
        return downvoted
    originals = [r for r in candidates if r.regenerated_from is None]
    return originals[:1]


def correction_pairs(
    corrections: Iterable[Correction], answers: dict[str, FeedbackRecord], votes: dict[str, int], filtered: Counter
) -> list[PreferencePair]:
    """Each correction (chosen) against the answers it corrects (rejected)."""
    pairs = []
    for correction in corrections:
        rejected = _corrected_answers(correction, answers, votes)
        if not rejected:
            filtered["corrections_without_answer"] += 1
        for answer in rejected:
            pairs.append(
                PreferencePair(
                    prompt=correction.question or answer.question,
                    chosen=correction.answer_text,
                    rejected=answer.answer,
                    source=SOURCE_CORRECTION,
                    chosen_id=None,
                    rejected_id=answer.answer_id,
                    thread_key=correction.thread_key,
                    facts=answer.facts,
                    created_at=correction.created_at or answer.created_at,
                )
            )
    return pairs


def _order(pair: PreferencePair) -> tuple[int, float, str, str]:
    """Best source first, then oldest first (a stable order whatever the time zones)."""
    rank = SOURCE_PRIORITY.index(pair.source) if pair.source in SOURCE_PRIORITY else len(SOURCE_PRIORITY)
    stamp = pair.created_at.timestamp() if pair.created_at else 0.0
    return rank, stamp, pair.chosen_id or "", pair.rejected_id or ""


def dedupe_pairs(pairs: Iterable[PreferencePair], filtered: Counter[str]) -> list[PreferencePair]:
    """Drop empty pairs, pairs whose chosen and rejected texts match, and repeats (the best source is kept)."""
    kept: dict[tuple[str, str, str], PreferencePair] = {}
    for pair in sorted(pairs, key=_order):
        key = (normalise(pair.prompt), normalise(pair.chosen), normalise(pair.rejected))
        if not all(key):
            filtered["empty_text"] += 1
        elif key[1] == key[2]:
            filtered["chosen_equals_rejected"] += 1
        elif key in kept:
            filtered["duplicate_pairs"] += 1
        else:
            kept[key] = pair
    return list(kept.values())


def sft_examples(
    answers: dict[str, FeedbackRecord], votes: dict[str, int], corrections: Iterable[Correction], filtered: Counter
) -> list[SFTExample]:
    """👍 answers and corrections as examples to imitate, deduplicated (corrections first)."""
    examples = [
        SFTExample(c.question, c.answer_text, SOURCE_CORRECTION, None, c.thread_key, (), c.created_at)
        for c in corrections
    ]
    examples += [
        SFTExample(r.question, r.answer, SOURCE_THUMBS_UP, r.answer_id, r.thread_key, r.facts, r.created_at)
        for a, r in sorted(answers.items(), key=lambda item: (item[1].created_at, item[0]))
        if votes[a] > 0
    ]
    kept: dict[tuple[str, str], SFTExample] = {}
    for example in examples:
        key = (normalise(example.prompt), normalise(example.completion))
        if not all(key):
            filtered["empty_text"] += 1
        elif key in kept:
            filtered["duplicate_sft"] += 1
        else:
            kept[key] = example
    return list(kept.values())


def build_preferences(
    records: Iterable[FeedbackRecord],
    corrections: Iterable[Correction],
    embed: Embed,
    settings: PreferenceSettings,
) -> PreferenceSet:
    """Every deduplicated preference pair and SFT example the feedback supports."""
    records = list(records)
    corrections = list(corrections)
    filtered: Counter[str] = Counter(dict.fromkeys(FILTERS, 0))
    answers, votes = _answers(records, filtered)
    pairs = regenerate_pairs(answers, votes)
    pairs += near_duplicate_pairs(answers, votes, embed, settings.similarity_threshold)
    pairs += correction_pairs(corrections, answers, votes, filtered)
    stamps = [r.created_at for r in records if r.rating in (-1, 0, 1)]
    stamps += [c.created_at for c in corrections if c.created_at]
    return PreferenceSet(
        pairs=tuple(dedupe_pairs(pairs, filtered)),
        sft=tuple(sft_examples(answers, votes, corrections, filtered)),
        filtered={name: filtered[name] for name in FILTERS},
        settings={
            "similarity_threshold": settings.similarity_threshold,
            "correction_prefix": settings.correction_prefix,
        },
        first_feedback=min(stamps, default=None),
        last_feedback=max(stamps, default=None),
    )
