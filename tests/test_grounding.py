"""The groundedness check and citation mapping, on hand-made facts (no model needed)."""

from __future__ import annotations

import numpy as np
from langchain_core.documents import Document

from agents.agent import cite, quote
from agents.grounding import answers_question, content_terms, extract, faq_match, groundedness, sentences, supporting

FACTS = [
    "Meal expenses while travelling for work are capped at 75 EUR per day, including drinks and tips.",
    "Hotel nights are capped at 160 EUR in most cities.",
]


def _doc(n: int, source: str, score: float) -> Document:
    return Document(
        page_content=FACTS[n % 2],
        metadata={"source": source, "title": source, "chunk_id": f"c{n}", "score": score, "heading_path": ""},
    )


def test_a_faithful_answer_is_grounded() -> None:
    assert groundedness("Meals are capped at 75 EUR per day while travelling.", FACTS) >= 0.75


def test_an_invented_number_halves_the_score() -> None:
    faithful = groundedness("Meal expenses are capped at 75 EUR per day.", FACTS)
    invented = groundedness("Meal expenses are capped at 90 EUR per day.", FACTS)
    assert invented < 0.75 <= faithful
    assert invented <= faithful / 2 + 1e-9


def test_stitching_facts_from_two_sentences_is_not_grounded() -> None:
    # Every term occurs somewhere, but no single fact supports the claim.
    assert groundedness("Hotel nights are capped at 75 EUR per day.", FACTS) < 0.75


def test_empty_or_contentless_answers_score_zero() -> None:
    assert groundedness("", FACTS) == 0.0
    assert groundedness("Yes.", FACTS) == 0.0


def test_supporting_facts_map_answer_sentences_to_facts() -> None:
    assert supporting("Hotels cost at most 160 EUR. Meals are capped at 75 EUR.", FACTS) == [1, 0]


def test_citations_follow_markers_then_supporting_facts() -> None:
    docs = [_doc(0, "expenses.md", 0.7), _doc(1, "travel.md", 0.5)]
    facts = [(1, FACTS[0]), (2, FACTS[1])]
    assert [c.n for c in cite("Meals: 75 EUR [1].", docs, 0.3)] == [1]
    assert [c.source for c in cite("Hotels are capped at 160 EUR.", docs, 0.3, facts)] == ["travel.md"]
    assert [c.n for c in cite("Something unrelated entirely.", docs, 0.3, facts)] == [1, 2]


def test_quote_keeps_sentences_verbatim_with_their_passage_numbers() -> None:
    assert quote([(2, FACTS[1])]) == f"From the documents: {FACTS[1]} [2]"
    assert sentences("- **Bold** item with four words\n# Head\nShort.") == ["Bold item with four words"]


def test_follow_up_detection() -> None:
    from agents.agent import is_follow_up

    assert is_follow_up("and what if I lose one?", 8)
    assert is_follow_up("What about contractors?", 8)
    assert is_follow_up("how long does it take?", 8)
    assert not is_follow_up("What is the capital of Australia?", 8)
    assert not is_follow_up("how many days of paid leave do new hires get each year?", 8)  # long: stands alone


# ---- the extractive path answers the question asked, with whole sentences ----


def test_never_quoted_a_question_a_lead_in_a_table_row_or_a_fragment() -> None:
    from agents.extractive import quotable

    assert quotable("A lost laptop must be reported to the security team within one hour.")
    assert not quotable("How do I convert a number to a string?")
    assert not quotable("For most employees it is:")
    assert not quotable("Making the disk image file 9.7.2.")
    assert quotable("The image is made with genisoimage by the following.")
    assert not quotable("More than 2 years | 2 months")
    assert not quotable("A lost laptop must")
    assert not quotable("the socket returns as readable when there's")
    assert not quotable("Your manager will agree a last day within five", last=True)


def test_question_kinds_and_the_facts_that_hold_them() -> None:
    from agents.extractive import holds, question_kind

    assert question_kind("how much can I spend on food per day?") == "amount"
    assert question_kind("how many approvals does my PR need?") == "count"
    assert question_kind("when is the all-hands?") == "time"
    assert question_kind("who approves an expense over 1,000 EUR?") == "person"
    assert question_kind("how do I get reimbursed?") == "procedure"
    assert question_kind("is parking reimbursed?") is None
    assert holds("amount", "Meals are capped at 75 EUR per day.")
    assert not holds("amount", "Meals are reimbursed while travelling.")
    assert holds("time", "The rotation hands over every Tuesday.")
    assert holds("person", "It is approved by your manager.")
    assert holds("procedure", "All expenses are submitted through Pleo.")
    assert not holds("procedure", "We don't reimburse fines.")


def test_a_number_in_the_question_picks_the_table_row_whose_range_holds_it() -> None:
    from agents.extractive import range_fit

    three_years = "what's the notice period if I've been here for three years?"
    assert range_fit(three_years, "For more than 2 years (time here), the notice period is 2 months.") == 1
    assert range_fit(three_years, "For up to 2 years (time here), the notice period is 1 month.") == -1
    assert range_fit(three_years, "For 250.01 to 1,000 EUR (amount), who approves: your manager.") == 0  # other unit
    assert range_fit("who approves a 600 EUR expense?", "For 250.01 to 1,000 EUR (amount), who approves: X.") == 1


def test_passage_sentences_are_unwrapped_and_raw_tables_become_sentences() -> None:
    passage = "Your notice period is:\n\n| Time here | Notice period |\n|---|---|\n| Up to 2 years | 1 month |\n"
    assert sentences(passage) == [
        "Your notice period is:",
        "For up to 2 years (time here), the notice period is 1 month.",
    ]
    assert sentences("A lost laptop must\nbe reported within one hour.") == [
        "A lost laptop must be reported within one hour."
    ]
    assert sentences("Use int(), e.g. int('1') gives one. Then stop here please.") == [
        "Use int(), e.g. int('1') gives one.",
        "Then stop here please.",
    ]


QUESTION = "how do I convert a string to a number?"


def test_extract_answers_under_the_faq_heading_that_asks_the_question() -> None:
    docs = [
        Document(
            page_content="To convert a number to a string, use the built-in str() function.",
            metadata={"heading_path": "FAQ > How do I convert a number to a string?"},
        ),
        Document(
            page_content="How do I convert a string to a number? Use int() for integers and float() otherwise.",
            metadata={"heading_path": "FAQ > How do I convert a string to a number?"},
        ),
    ]
    texts = [s for d in docs for s in sentences(d.page_content)]
    vocabulary = sorted({w for t in [*texts, QUESTION] for w in content_terms(t)})

    def vectors_for(batch: list[str]) -> np.ndarray:
        return _bag_over(batch, vocabulary)

    facts = extract(_bag_over([QUESTION], vocabulary)[0], docs, vectors_for, 2, question=QUESTION)
    assert facts == [(2, "Use int() for integers and float() otherwise.")]
    assert faq_match(QUESTION, "How do I convert a string to a number?")
    assert not faq_match(QUESTION, "How do I convert a number to a string?")


def _bag_over(texts: list[str], vocabulary: list[str]) -> np.ndarray:
    """Bag-of-words vectors, normalised: a stand-in embedding for the vectors ``extract`` is given."""
    rows = np.array([[1.0 if w in content_terms(t) else 0.0 for w in vocabulary] for t in texts])
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def test_a_passage_answers_only_when_it_holds_the_kind_of_fact_asked() -> None:
    on_call = ["This page explains how our on-call rotations work."]
    assert not answers_question("How much extra pay do I get for being on call?", on_call)
    assert answers_question("How much extra pay do I get for being on call?", ["Primary on-call pays 300 EUR."])
    assert answers_question("How do I join the rotation?", on_call)  # a step may be phrased any way
    assert not answers_question("what is on-call?", [])
