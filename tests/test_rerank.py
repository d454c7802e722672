"""The feature reranker: the page whose heading and phrases match the question comes first; a setting turns it off."""

from __future__ import annotations

import uuid
from pathlib import Path

from agents.config import RetrievalSettings
from agents.retrieval.features import bigram_hits, coverage, identifiers, stem, terms
from agents.retrieval.rerank import FeatureReranker, KeepOrder, make_reranker
from agents.retrieval.store import Scope, ScoredChunk
from bot.container import Steward
from bot.settings import Settings

HANDBOOK = Scope("acme", ("handbook",))
# A real question from bot/samples/handbook_qa.jsonl: its nearest chunk by embedding is the learning budget's
# "Learning time" (days off for courses), and full text agrees ("days", "year"); the answer is under
# "Paid Time Off > Your holiday allowance".
HOLIDAY = "how many holiday days do I get per year?"


def _hit(source: str, heading: str, content: str, score: float) -> ScoredChunk:
    title = heading.split(" > ")[0]
    return ScoredChunk(uuid.uuid4(), uuid.uuid4(), source, title, heading, content, 0, score)


def _first_source(app: Steward, question: str) -> str:
    documents = app.agent.retrieve(question, HANDBOOK, 10).documents
    return Path(str(documents[0].metadata["source"])).name


def _with_reranker(settings: Settings, handbook: Steward, mode: str) -> Steward:
    retrieval = settings.retrieval.model_copy(update={"reranker": mode})
    return Steward(settings.model_copy(update={"retrieval": retrieval}), handbook.database)


def test_light_stemming_and_stopwords_let_question_words_meet_headings() -> None:
    assert terms("How many holiday days do I get per year?") == ["holiday", "day", "per", "year"]
    assert stem("rotations") == stem("rotation") and stem("allowances") == stem("allowance")
    assert stem("policies") == "policy" and stem("bus") == "bus" and stem("boxes") == stem("box")
    assert coverage(terms("holiday days"), terms("Paid Time Off > Your holiday allowance")) == 0.5
    assert bigram_hits(terms("notice period for leavers"), terms("The notice period is two months.")) == 0.5


def test_a_passage_whose_heading_carries_the_question_outranks_a_closer_embedding() -> None:
    nearer = _hit("learning-budget.md", "Learning Budget > Learning time", "Take 3 days a year for courses.", 0.45)
    right = _hit("paid-time-off.md", "Paid Time Off > Your holiday days", "Everyone gets 28, plus public ones.", 0.42)
    ranked = FeatureReranker().rerank(HOLIDAY, [nearer, right])
    assert [h.source for h in ranked] == ["paid-time-off.md", "learning-budget.md"]
    assert ranked[0].score == 0.42  # the cosine similarity is kept, so the abstention threshold means the same


def test_without_lexical_evidence_cosine_similarity_decides() -> None:
    low = _hit("a.md", "Travel > Trains", "Book second class.", 0.30)
    high = _hit("b.md", "Travel > Flights", "Book economy.", 0.50)
    assert [h.source for h in FeatureReranker().rerank("what about the weather?", [low, high])] == ["b.md", "a.md"]
    assert FeatureReranker().rerank("anything", []) == []


def test_a_code_in_the_question_brings_the_passage_that_holds_it_word_for_word() -> None:
    other = _hit("carrier-2.md", "Carriers > Rejected manifests", "Error E4712: fix the weight field.", 0.61)
    right = _hit("carrier-1.md", "Carriers > Rejected manifests", "Error E4711: fix the address field.", 0.57)
    assert identifiers("what should I do about E4711 in sources.list?") == {"e4711", "sources.list"}
    ranked = FeatureReranker().rerank("what should I do about E4711?", [other, right])
    assert [h.source for h in ranked] == ["carrier-1.md", "carrier-2.md"]


def test_codes_only_in_the_body_still_come_first_through_the_real_database(steward: Steward, tmp_path: Path) -> None:
    codes = ["E4711", "E4712", "E5120", "E6003"]
    for n, code in enumerate(codes):
        (tmp_path / f"depot-{n}.md").write_text(
            f"# Depot notes\n\n## Rejections\nWhen the scanner shows {code}, the pallet goes back to bay {n + 1} "
            "and the shift lead is told before the truck leaves.\n"
        )
    steward.ingestor.ingest([tmp_path], "t-rerank", "depot")
    for n, code in enumerate(codes):
        top = steward.agent.retrieve(f"what should I do about {code}?", Scope("t-rerank"), 3).documents[0]
        assert Path(str(top.metadata["source"])).name == f"depot-{n}.md", code


def test_the_setting_picks_the_stage_and_features_is_the_default() -> None:
    assert RetrievalSettings().reranker == "features"
    assert isinstance(make_reranker("features", None), FeatureReranker)
    assert isinstance(make_reranker("none", None), KeepOrder)


def test_the_right_handbook_page_comes_first_and_none_restores_the_fused_order(
    handbook: Steward, settings: Settings
) -> None:
    vector = handbook.embedder.embed_array([HOLIDAY])[0]
    nearest = handbook.agent.retriever(HANDBOOK).search.search(vector, HANDBOOK, 1)
    assert Path(nearest[0].source).name == "learning-budget.md"  # the premise: embeddings alone pick the wrong page

    assert _first_source(handbook, HOLIDAY) == "paid-time-off.md"
    assert _first_source(_with_reranker(settings, handbook, "none"), HOLIDAY) == "learning-budget.md"


def test_reranking_keeps_scope_and_k(handbook: Steward) -> None:
    documents = handbook.agent.retrieve(HOLIDAY, HANDBOOK, 3).documents
    assert len(documents) == 3
    assert len({d.metadata["chunk_id"] for d in documents}) == 3
    assert handbook.agent.retrieve(HOLIDAY, Scope("nobody-here", ()), 3).documents == []
