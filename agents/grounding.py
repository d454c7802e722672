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

from agents.extractive import holds, polarity_clash, question_kind, quotable, range_fit
from agents.ingestion.structure import restructure

_TERM = re.compile(r"[a-z0-9]+(?:[.,:/-][a-z0-9]+)*")
_NUMBER = re.compile(r"\d")
_MARKER = re.compile(r"\[\d+\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
RELATIVE_KEEP = 0.85
KIND_BONUS = 0.1  # a sentence holding the kind of fact asked for ("how much": an amount...)
RANGE_FIT = 0.12  # the question's number falls in the range a sentence (a table row) states
RANGE_MISS = 0.06
FAQ_MATCH = 0.85  # word-pair overlap at which a FAQ heading asks the user's question
NEGATION = 0.15  # "how do I ..." (not negated) is rarely answered by a negated sentence
LEXICAL = 0.1  # times the share of the question's content words the sentence repeats (names, codes, places)
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf|approx|incl|mr|mrs|ms|dr|st|fig|sec)\.$", re.IGNORECASE)
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


def _split(text: str) -> list[str]:
    """Sentence split that does not cut after "e.g.", "etc." and the like."""
    pieces: list[str] = []
    for piece in _SENTENCE.split(text):
        if pieces and _ABBREVIATION.search(pieces[-1]) and "\n" not in pieces[-1][-2:]:
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


def sentences(text: str) -> list[str]:
    """Sentences and list items of a passage, stripped of Markdown bullets and emphasis.

    The passage is restructured first (hard wraps undone, any raw Markdown table turned into sentences),
    so a sentence is never cut where its source wrapped a line.
    """
    parts = (p.strip().strip("-*#> ").replace("**", "") for p in _split(restructure(text)))
    return [p for p in parts if len(p.split()) >= 4]


def _candidates(documents: list[Document]) -> list[tuple[int, str]]:
    """Every quotable sentence of the passages, as ``(context number, sentence)``."""
    found = []
    for n, doc in enumerate(documents, start=1):
        parts = sentences(doc.page_content)
        found += [(n, s) for i, s in enumerate(parts) if quotable(s, last=i == len(parts) - 1)]
    return found


def _bigrams(text: str) -> set[tuple[str, str]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return set(zip(words, words[1:], strict=False))


def faq_match(question: str, heading: str) -> bool:
    """A question heading (a FAQ entry) asking what the user asked, word order included.

    Embeddings cannot tell "a string to a number" from "a number to a string"; word pairs can.
    """
    asked, entry = _bigrams(question), _bigrams(heading)
    return heading.rstrip().endswith("?") and bool(asked) and len(asked & entry) / len(asked | entry) >= FAQ_MATCH


def _answer_sections(question: str, documents: list[Document]) -> set[int]:
    """Context numbers of passages under a FAQ heading that matches the question (empty: none does)."""
    leaves = ((n, str(d.metadata.get("heading_path") or "").split(" > ")[-1]) for n, d in enumerate(documents, 1))
    return {n for n, leaf in leaves if faq_match(question, leaf)}


def _score(question: str, sentence: str, similarity: float) -> float:
    kind = question_kind(question)
    bonus = KIND_BONUS if kind is not None and holds(kind, sentence) else 0.0
    fit = range_fit(question, sentence)
    clash = NEGATION if kind == "procedure" and polarity_clash(question, sentence) else 0.0
    asked = content_terms(question)
    lexical = LEXICAL * len(asked & content_terms(sentence)) / len(asked) if asked else 0.0
    return similarity + bonus + lexical - clash + (RANGE_FIT if fit > 0 else -RANGE_MISS if fit < 0 else 0.0)


def extract(
    question_vector: np.ndarray,
    documents: list[Document],
    vectors_for: object,
    max_sentences: int = 2,
    question: str = "",
) -> list[tuple[int, str]]:
    """The passages' whole sentences that best answer the question, as ``(context number, sentence)``.

    Similarity to the question, plus a bonus for holding the kind of fact asked for and for a stated range
    the question's number falls in. Questions, lead-ins, table rows and fragments are never picked. When a
    FAQ heading asks the question itself, the answer is looked for under that heading only.
    """
    candidates = _candidates(documents)
    if sections := _answer_sections(question, documents):
        candidates = [c for c in candidates if c[0] in sections] or candidates
    if not candidates:
        return []
    similarity = np.asarray(vectors_for([s for _, s in candidates])) @ question_vector  # type: ignore[operator]
    scores = np.array([_score(question, s, float(sim)) for (_, s), sim in zip(candidates, similarity, strict=True)])
    order = [int(i) for i in np.argsort(-scores)[:max_sentences]]
    # Quote a second sentence only when it is nearly as relevant as the best one.
    kept = [i for i in order if scores[i] >= RELATIVE_KEEP * scores[order[0]]]
    return [candidates[i] for i in sorted(kept)]


def answers_question(question: str, facts: list[str]) -> bool:
    """Whether any of ``facts`` could answer ``question``: there is one, and it holds the kind of fact asked.

    A "how do I" question is not held to its kind here: a step may be phrased in many ways.
    """
    kind = question_kind(question)
    return any(holds(None if kind == "procedure" else kind, fact) for fact in facts)
