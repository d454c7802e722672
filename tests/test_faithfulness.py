"""Faithfulness metrics and the malformed-reply detector (agents.eval.faithfulness, agents.eval.malformed)."""

from __future__ import annotations

import math

import pytest

from agents.eval.faithfulness import (
    ScoredReply,
    precise_citations,
    score_reply,
    sentence_support,
    summarize,
    supported,
)
from agents.eval.malformed import (
    EMPTY,
    FRAGMENT,
    HEADER_ROW,
    PIPE_ROW,
    QUESTION_ONLY,
    ReplyChecker,
    count_by_kind,
    reply_sentences,
)

LAPTOP = "A lost laptop must be reported to the security team within one hour."
GIFTS = "Gifts from vendors are fine up to 50 EUR; anything above that is declined politely."


@pytest.fixture(scope="module")
def checker() -> ReplyChecker:
    """The detector on the offline spaCy model."""
    return ReplyChecker.load()


# --- malformed replies: the broken cases, and well-formed replies that must pass ---


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (
            "From the documents: Your notice period is set out in your contract. [1] More than 2 years | 2 months [1]",
            PIPE_ROW,
        ),
        ("Amount per expense | Who approves [1] All expenses are submitted through Pleo. [4]", HEADER_ROW),
        ("From the documents: A lost laptop must [1]", FRAGMENT),
        ("From the documents: …if all you want is a [2]", FRAGMENT),
        ("From the documents: …the socket returns as readable when there's [2]", FRAGMENT),
        ("From the documents: How do I convert a number to a string? [2]", QUESTION_ONLY),
        ("From the documents: How do I cache method calls? [1]", QUESTION_ONLY),
        ("From the documents: 2.1.3. Life with eternal upgrades [1]", FRAGMENT),
        ("From the documents: Debian package management [1]", FRAGMENT),
        ("From the documents: [1]", EMPTY),
        ("   ", EMPTY),
    ],
)
def test_broken_replies_are_malformed(checker: ReplyChecker, reply: str, kind: str) -> None:
    assert kind in checker.kinds(reply)
    assert checker.is_malformed(reply)


@pytest.mark.parametrize(
    "reply",
    [
        f"From the documents: {LAPTOP} [1]",
        "Six VT100-like character consoles, switched with Left-Alt and F1 to F6. [1]",
        "Press Ctrl-Alt-F3 to reach the console [1]",
        "From the documents: $ journalctl -b [1]",
        "From the documents: MSS = MTU - 40 for IPv4 [1]",
        "Run systemctl set-default multi-user. [2]",
        "Notice period — more than 2 years of service: 2 months. [1]",
        "Is it allowed? Yes: gifts up to 50 EUR are fine. [1]",
        "I don't know: the documents I can see don't answer that. The nearest sources were: Chapter 2; Chapter 9.",
    ],
)
def test_well_formed_replies_pass(checker: ReplyChecker, reply: str) -> None:
    assert checker.findings(reply) == []


def test_reply_sentences_drop_the_preamble_and_split_at_markers() -> None:
    text = "From the documents: Type reset at the prompt. [1] You may also issue clear. [2]"
    assert reply_sentences(text) == ["Type reset at the prompt.", "You may also issue clear."]


def test_count_by_kind_counts_a_reply_once_per_kind() -> None:
    counts = count_by_kind([[PIPE_ROW, FRAGMENT], [FRAGMENT], []])
    assert counts[PIPE_ROW] == 1
    assert counts[FRAGMENT] == 2
    assert counts[EMPTY] == 0


# --- faithfulness ---


def test_a_quoted_sentence_is_supported_and_an_invented_one_is_not() -> None:
    assert supported(LAPTOP, [GIFTS, LAPTOP])
    assert not supported("Lost laptops are replaced by the finance team next quarter.", [LAPTOP, GIFTS])


def test_a_changed_number_is_not_supported() -> None:
    assert supported("Report a lost laptop to the security team within one hour.", [LAPTOP])
    assert not supported("Report a lost laptop to the security team within 2 hours.", [LAPTOP])


def test_sentence_support_counts_each_sentence_of_the_reply() -> None:
    reply = f"{LAPTOP} [1] The laptop is then wiped remotely by facilities. [1]"
    assert sentence_support(reply, [LAPTOP]) == (1, 2)
    assert sentence_support(reply, []) == (0, 2)


def test_citation_precision_counts_passages_holding_a_key_fact() -> None:
    assert precise_citations([GIFTS, LAPTOP], ["50", "eur"]) == 1
    assert precise_citations([LAPTOP], ["50", "eur"]) == 0


def test_score_reply_of_an_abstention_counts_no_sentences_or_citations() -> None:
    reply = score_reply("q", "I don't know: the documents don't answer that.", [LAPTOP], ["one hour"])
    assert reply.abstained
    assert (reply.sentences_total, reply.citations_total, reply.facts_found) == (0, 0, 0)


def test_summarize_computes_every_rate() -> None:
    hit = score_reply("gift?", f"Yes: {GIFTS} [1]", [GIFTS], ["50", "eur"])
    miss = score_reply("laptop?", "Ask facilities about it. [1]", [GIFTS], ["one hour"], malformed=[FRAGMENT])
    abstained = score_reply("laptop again?", "I don't know.", [], ["one hour"], abstained=True)
    unknown = score_reply("capital of Mongolia?", "I don't know.", [], [], abstained=True)
    answered = score_reply("stock price?", f"{LAPTOP} [1]", [LAPTOP], [])
    result = summarize([hit, miss, abstained], [unknown, answered])
    assert result.key_fact_hit_rate == pytest.approx(1 / 3)
    assert result.false_abstention == pytest.approx(1 / 3)
    assert result.unanswerable_abstention == pytest.approx(1 / 2)
    assert result.citation_precision == pytest.approx(1 / 2)
    assert result.sentence_support == pytest.approx(2 / 3)
    assert result.malformed == 1
    assert result.malformed_by_kind == {FRAGMENT: 1}


def test_summarize_of_nothing_is_not_a_number() -> None:
    result = summarize([], [])
    assert math.isnan(result.key_fact_hit_rate) and math.isnan(result.unanswerable_abstention)


def test_a_reply_without_facts_is_never_a_hit() -> None:
    reply = ScoredReply("q", "text", False, 0, 0, 0, 0, 0, 0)
    assert not reply.hit
