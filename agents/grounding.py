"""A measurable groundedness check, and the extractive answer used when generation is not grounded.

Groundedness is checked sentence by sentence. An answer sentence's support is the share of its content
terms (words of 3+ letters that are not stopwords, and every number) found in the single context
sentence that covers it best; a number missing from that sentence halves it, because stitching a limit
from one rule onto another is the typical failure of small models. The answer's groundedness is the
mean support of its sentences (0..1).
"""

from __future__ import annotations

import re

import numpy as np
from langchain_core.documents import Document

_TERM = re.compile(r"[a-z0-9]+(?:[.,:/-][a-z0-9]+)*")
_NUMBER = re.compile(r"\d")
_MARKER = re.compile(r"\[\d+\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
RELATIVE_KEEP = 0.85
_STOPWORD_TEXT = (
    "the and for you your are can not but with that this from have has had was were will would should "
    "could may might must our their they them there here what when where which who whom how why all "
    "any each per its it's into onto than then also only just very more most some such own same other "
    "about over under after before between during within without out off yes answer question context "
    "steward"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def content_terms(text: str) -> set[str]:
    """Lower-cased content words and numbers of ``text``, without citation markers."""
    terms = _TERM.findall(_MARKER.sub(" ", text.lower()))
    return {t for t in terms if (_NUMBER.search(t) or len(t) >= 3) and t not in _STOPWORDS}


def _support(terms: set[str], context_sentences: list[set[str]]) -> float:
    best, best_terms = 0.0, set()
    for candidate in context_sentences:
        share = len(terms & candidate) / len(terms)
        if share > best:
            best, best_terms = share, candidate
    invented_numbers = {t for t in terms - best_terms if _NUMBER.search(t)}
    return best / 2 if invented_numbers else best


def supporting(answer: str, facts: list[str]) -> list[int]:
    """Indices of the facts that best support each sentence of ``answer`` (in order, without repeats)."""
    fact_terms = [content_terms(f) for f in facts]
    chosen: list[int] = []
    for sentence in _SENTENCE.split(answer):
        terms = content_terms(sentence)
        if not terms or not fact_terms:
            continue
        best = max(range(len(facts)), key=lambda i: len(terms & fact_terms[i]))
        if terms & fact_terms[best] and best not in chosen:
            chosen.append(best)
    return chosen


def groundedness(answer: str, contexts: list[str]) -> float:
    """0..1: how well each answer sentence is supported by one context sentence (1 = fully)."""
    context_sentences = [content_terms(s) for c in contexts for s in _SENTENCE.split(c)]
    scores = [_support(t, context_sentences) for s in _SENTENCE.split(answer) if (t := content_terms(s))]
    return sum(scores) / len(scores) if scores else 0.0


def sentences(text: str) -> list[str]:
    """Sentences and list items of a passage, stripped of Markdown bullets and emphasis."""
    parts = (p.strip().strip("-*#|> ").replace("**", "") for p in _SENTENCE.split(text))
    return [p for p in parts if len(p.split()) >= 4]


def extract(
    question_vector: np.ndarray, documents: list[Document], vectors_for: object, max_sentences: int = 2
) -> list[tuple[int, str]]:
    """The passages' sentences most similar to the question, as ``(context number, sentence)``."""
    candidates = [(n, s) for n, doc in enumerate(documents, start=1) for s in sentences(doc.page_content)]
    if not candidates:
        return []
    similarity = np.asarray(vectors_for([s for _, s in candidates])) @ question_vector  # type: ignore[operator]
    order = [int(i) for i in np.argsort(-similarity)[:max_sentences]]
    # Quote a second sentence only when it is nearly as relevant as the best one.
    kept = [i for i in order if similarity[i] >= RELATIVE_KEEP * similarity[order[0]]]
    return [candidates[i] for i in sorted(kept)]
