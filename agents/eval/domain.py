"""The domain QA set for the gate: questions with reference answers, the facts shown, and a fixed split.

Each answerable question is shown two or three facts, like the local model's production prompt: the
sentence of its source document that best covers the reference answer, any sentence holding a key fact
the first one lacks, else the sentence that best matches the question otherwise (a distractor), in
document order. Each unanswerable
question is shown the two handbook sentences that best match its words, which do not answer it.

The split into a training part and a held-out part is by a hash of the question, so it is stable when
questions are added or reordered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from agents.eval.items import DomainItem
from agents.eval.scoring import key_fact_recall, key_facts
from agents.grounding import content_terms, sentences


def _coverage(sentence: str, reference_keys: tuple[str, ...]) -> float:
    return key_fact_recall(sentence, reference_keys) if reference_keys else 0.0


def _best(candidates: Sequence[str], wanted: set[str], also: set[str], skip: set[int]) -> int:
    scored = [
        (len(wanted & (terms := content_terms(s))), len(also & terms), -i)
        for i, s in enumerate(candidates)
        if i not in skip
    ]
    return -max(scored)[2]


def _covering(candidates: Sequence[str], keys: tuple[str, ...], chosen: list[int], question: set[str]) -> int | None:
    """The sentence adding the most missing key facts (ties: the closest to the question), if any adds one."""
    missing = tuple(k for k in keys if not _coverage(" ".join(candidates[i] for i in chosen), (k,)))
    gains = [
        (_coverage(s, missing), len(question & content_terms(s)), -i)
        for i, s in enumerate(candidates)
        if i not in chosen
    ]
    best = max(gains, default=None)
    return -best[2] if best and missing and best[0] > 0 else None


def facts_for(question: str, reference: str, document: str, max_facts: int = 3) -> tuple[str, ...]:
    """Two or three sentences of ``document`` in document order, chosen to cover the reference answer.

    First the sentence that best covers the reference, then sentences holding key facts it lacks (up to
    ``max_facts``); when nothing is lacking, the next best match for the question (a distractor).
    """
    candidates = sentences(document)
    if len(candidates) < 2:
        return tuple(candidates)
    question_terms, reference_terms, keys = content_terms(question), content_terms(reference), key_facts(reference)
    chosen = [_best(candidates, reference_terms, question_terms, set())]
    while len(chosen) < max_facts and (extra := _covering(candidates, keys, chosen, question_terms)) is not None:
        chosen.append(extra)
    if len(chosen) == 1:
        chosen.append(_best(candidates, question_terms, reference_terms, set(chosen)))
    return tuple(candidates[i] for i in sorted(chosen))


def _nearest_sentences(question: str, documents: dict[str, str], count: int = 2) -> tuple[str, ...]:
    terms = content_terms(question)
    pool = [s for name in sorted(documents) for s in sentences(documents[name])]
    ranked = sorted(range(len(pool)), key=lambda i: (-len(terms & content_terms(pool[i])), i))
    return tuple(pool[i] for i in ranked[:count])


def read_documents(directory: Path, pattern: str = "*.md") -> dict[str, str]:
    """File name → text of every document in ``directory``."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob(pattern))}


def load_domain_items(qa_file: Path, documents_dir: Path, unanswerable_file: Path | None = None) -> list[DomainItem]:
    """The QA file (``question``, ``answer``, ``expected_source`` per line) and unanswerable questions as items."""
    documents = read_documents(documents_dir)
    items = []
    for line in qa_file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        source = row["expected_source"]
        facts = facts_for(row["question"], row["answer"], documents[source])
        keys = tuple(row.get("key_facts") or key_facts(row["answer"]))
        items.append(DomainItem(row["question"], row["answer"], facts, True, source, keys))
    if unanswerable_file is not None:
        for question in unanswerable_file.read_text(encoding="utf-8").splitlines():
            if question.strip():
                items.append(DomainItem(question.strip(), "", _nearest_sentences(question, documents), False, ""))
    return items


def in_holdout(text: str, holdout_percent: int) -> bool:
    """Whether ``text`` falls in the held-out part (a stable hash, not Python's salted ``hash``)."""
    digest = hashlib.sha256(text.strip().lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 100 < holdout_percent


def split_items(items: Sequence[DomainItem], holdout_percent: int) -> tuple[list[DomainItem], list[DomainItem]]:
    """``(train, held_out)``: every item lands in exactly one part, the same one on every run."""
    train = [i for i in items if not in_holdout(i.question, holdout_percent)]
    held_out = [i for i in items if in_holdout(i.question, holdout_percent)]
    return train, held_out
