"""The groundedness check and citation mapping, on hand-made facts (no model needed)."""

from __future__ import annotations

from langchain_core.documents import Document

from agents.agent import cite, quote
from agents.grounding import groundedness, sentences, supporting

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
