"""Faithfulness of answers to what they cite, and the rates the answer benchmark reports.

For one reply (its text, the passages it cites, and the question's key facts):

* **sentence support**: an answer sentence is *supported* when a cited passage holds at least
  ``SUPPORT_SHARE`` of its content terms (words of 3+ letters that are not stopwords, and numbers; the terms
  of ``agents.grounding.content_terms``) and every number of the sentence. The share of supported sentences
  is counted over all answer sentences of non-abstaining replies; a reply that cites nothing has all its
  sentences unsupported.
* **citation precision**: a cited passage is *precise* when it holds at least one of the question's key
  facts (matched as ``agents.eval.scoring`` matches them). Counted over every cited passage of every
  non-abstaining reply to an answerable question.
* **key-fact hit**: the reply holds every key fact.
* **abstention**: ``mode == "abstained"``, or the text says it does not know (``scoring.abstains``). The
  *false-abstention rate* is the abstaining share of the answerable questions; the *abstention rate on
  unanswerable questions* is the abstaining share of those.
* **malformed**: the reply has a problem found by ``agents.eval.malformed.ReplyChecker``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from agents.eval.malformed import reply_sentences
from agents.eval.scoring import abstains, key_fact_recall, numbers
from agents.grounding import content_terms

SUPPORT_SHARE = 0.7


@dataclass(frozen=True)
class ScoredReply:
    """One reply, scored. ``facts`` is empty for an unanswerable question."""

    question: str
    text: str
    abstained: bool
    facts_found: int
    facts_total: int
    sentences_supported: int
    sentences_total: int
    citations_precise: int
    citations_total: int
    malformed: tuple[str, ...] = ()

    @property
    def hit(self) -> bool:
        """Every key fact is in the reply."""
        return self.facts_total > 0 and self.facts_found == self.facts_total


def supported(sentence: str, passages: Sequence[str]) -> bool:
    """Whether one passage holds ``SUPPORT_SHARE`` of the sentence's content terms and all its numbers."""
    terms = content_terms(sentence)
    if not terms:
        return True
    wanted = numbers(sentence)
    for passage in passages:
        held = content_terms(passage)
        if len(terms & held) / len(terms) >= SUPPORT_SHARE and wanted <= numbers(passage):
            return True
    return False


def sentence_support(text: str, passages: Sequence[str]) -> tuple[int, int]:
    """``(supported, total)`` answer sentences of ``text`` against the cited ``passages``."""
    sentences = [s for s in reply_sentences(text) if content_terms(s)]
    return sum(supported(s, passages) for s in sentences), len(sentences)


def precise_citations(passages: Sequence[str], facts: Sequence[str]) -> int:
    """How many cited passages hold at least one of the key ``facts``."""
    return sum(1 for p in passages if facts and key_fact_recall(p, facts) > 0)


def score_reply(
    question: str,
    text: str,
    cited: Sequence[str],
    facts: Sequence[str],
    abstained: bool = False,
    malformed: Sequence[str] = (),
) -> ScoredReply:
    """Score one reply: ``cited`` are the texts of the passages it cites, ``facts`` the question's key facts."""
    abstaining = abstained or abstains(text)
    found = round(key_fact_recall(text, facts) * len(facts)) if facts else 0
    held, total = (0, 0) if abstaining else sentence_support(text, cited)
    return ScoredReply(
        question=question,
        text=text,
        abstained=abstaining,
        facts_found=found,
        facts_total=len(facts),
        sentences_supported=held,
        sentences_total=total,
        citations_precise=0 if abstaining or not facts else precise_citations(cited, facts),
        citations_total=0 if abstaining or not facts else len(cited),
        malformed=tuple(malformed),
    )


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else math.nan


@dataclass(frozen=True)
class Faithfulness:
    """The rates over one question set (``nan`` where nothing was counted)."""

    answerable: int
    unanswerable: int
    key_fact_hit_rate: float
    sentence_support: float
    citation_precision: float
    false_abstention: float
    unanswerable_abstention: float
    malformed: int
    malformed_by_kind: dict[str, int] = field(default_factory=dict)


def summarize(answerable: Sequence[ScoredReply], unanswerable: Sequence[ScoredReply]) -> Faithfulness:
    """The faithfulness rates of replies to answerable and unanswerable questions."""
    every = [*answerable, *unanswerable]
    by_kind: dict[str, int] = {}
    for reply in every:
        for kind in reply.malformed:
            by_kind[kind] = by_kind.get(kind, 0) + 1
    return Faithfulness(
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        key_fact_hit_rate=_ratio(sum(r.hit for r in answerable), len(answerable)),
        sentence_support=_ratio(sum(r.sentences_supported for r in every), sum(r.sentences_total for r in every)),
        citation_precision=_ratio(
            sum(r.citations_precise for r in answerable), sum(r.citations_total for r in answerable)
        ),
        false_abstention=_ratio(sum(r.abstained for r in answerable), len(answerable)),
        unanswerable_abstention=_ratio(sum(r.abstained for r in unanswerable), len(unanswerable)),
        malformed=sum(1 for r in every if r.malformed),
        malformed_by_kind=by_kind,
    )
