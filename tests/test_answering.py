"""End to end through the pipeline with the real embedded database and the real local model."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from agents.grounding import groundedness
from bot.container import Steward
from bot.pipeline.message import IncomingMessage, InvalidMessage, Reply
from tests.conftest import UNANSWERABLE

pytestmark = pytest.mark.slow

QUESTIONS = [
    ("how much can I spend on food per day on a business trip?", "expenses-and-reimbursement.md"),
    ("what day and time does on-call get handed over?", "on-call.md"),
    ("until what time can I deploy on a Friday?", "deploys-and-releases.md"),
]


def _ask(app: Steward, question: str, thread: str = "t1", tenant: str = "acme") -> Reply:
    message = IncomingMessage(
        platform="test",
        tenant=tenant,
        channel="general",
        user="U1",
        text=question,
        thread=thread,
        collections=("handbook",),
    )
    return asyncio.run(app.pipeline.handle(message))


@pytest.mark.parametrize(("question", "expected"), QUESTIONS)
def test_answers_cite_the_right_file(handbook: Steward, question: str, expected: str) -> None:
    reply = _ask(handbook, question)
    assert not reply.abstained
    assert reply.text.strip()
    assert reply.citations, reply
    assert Path(reply.citations[0].source).name == expected, [c.source for c in reply.citations]
    for citation in reply.citations:
        assert f"[{citation.n}]" in reply.text or len(reply.citations) <= 2
        assert citation.chunk_id and 0 < citation.score <= 1
    assert reply.model == "local:SmolLM2-135M-Instruct"
    assert reply.latency_ms["total"] >= reply.latency_ms["generate"] > 0
    assert reply.latency_ms["retrieve"] > 0


def test_answer_text_is_grounded_in_the_cited_file(handbook: Steward) -> None:
    reply = _ask(handbook, "how much can I spend on food per day on a business trip?")
    with handbook.database.engine.connect() as conn:
        cited = [
            conn.execute(text("select content from chunks where id = cast(:i as uuid)"), {"i": c.chunk_id}).scalar_one()
            for c in reply.citations
        ]
    assert groundedness(reply.text, cited) >= 0.75
    assert "75 EUR" in reply.text


@pytest.mark.parametrize("question", UNANSWERABLE.read_text().splitlines()[:3])
def test_unanswerable_questions_abstain_and_list_nearest_sources(handbook: Steward, question: str) -> None:
    reply = _ask(handbook, question)
    assert reply.abstained
    assert reply.text.startswith("I don't know")
    assert "nearest sources" in reply.text
    assert reply.citations == []


def test_other_tenants_and_collections_see_nothing(handbook: Steward) -> None:
    reply = _ask(handbook, "how much can I spend on food per day on a business trip?", tenant="someone-else")
    assert reply.abstained and "no documents" in reply.text


def test_each_exchange_is_recorded(handbook: Steward) -> None:
    first = _ask(handbook, "how many YubiKeys does each person get?", thread="rec-1")
    second = _ask(handbook, "and what should I do if I lose one?", thread="rec-1")
    with handbook.database.engine.connect() as conn:
        rows = conn.execute(
            text(
                "select a.id, a.question, a.answer, a.citations, a.model, a.latency_ms, a.user_id, a.mode,"
                " c.thread_id, c.platform from answers a join conversations c on c.id = a.conversation_id"
                " where a.id in (:a, :b) order by a.created_at"
            ),
            {"a": first.answer_id, "b": second.answer_id},
        ).all()
    assert [r[0] for r in rows] == [first.answer_id, second.answer_id]
    assert rows[0][1] == "how many YubiKeys does each person get?" and rows[0][2] == first.text
    assert [c["source"] for c in rows[0][3]] == [c.source for c in first.citations]
    assert rows[0][4] == "local:SmolLM2-135M-Instruct" and rows[0][6] == "U1"
    assert {"retrieve", "generate"} <= set(rows[0][5])
    assert rows[0][7] in ("generated", "extractive")
    assert rows[0][8] == rows[1][8] == "rec-1" and rows[0][9] == "test"
    with handbook.database.engine.connect() as conn:
        conversations = conn.execute(text("select count(*) from conversations where thread_id = 'rec-1'")).scalar()
    assert conversations == 1


def test_empty_question_is_rejected_and_nothing_recorded(handbook: Steward) -> None:
    with handbook.database.engine.connect() as conn:
        before = conn.execute(text("select count(*) from answers")).scalar()
    with pytest.raises(InvalidMessage, match="empty"):
        _ask(handbook, "   ")
    with handbook.database.engine.connect() as conn:
        assert conn.execute(text("select count(*) from answers")).scalar() == before


def test_a_follow_up_in_a_thread_uses_the_thread_history(handbook: Steward) -> None:
    _ask(handbook, "how many YubiKeys does each person get?", thread="mem-1")
    follow_up = _ask(handbook, "and what if I lose one?", thread="mem-1")
    assert not follow_up.abstained
    assert "passwords-and-mfa.md" in {Path(c.source).name for c in follow_up.citations}
    alone = handbook.agent.search_query("and what if I lose one?", ())
    assert alone == "and what if I lose one?"  # without a thread there is nothing to add


def test_history_is_bounded_by_tokens(handbook: Steward) -> None:
    from bot.store.history import thread_history

    for n in range(3):
        _ask(handbook, f"how many YubiKeys does each person get? ({n})", thread="mem-2")
    everything = thread_history(handbook.database, "acme", "test", "general", "mem-2", max_tokens=10_000)
    assert [q[-2] for q, _ in everything] == ["0", "1", "2"]  # oldest first
    budget = sum(len(q) + len(a) for q, a in everything[-1:]) // 4 + 1
    assert [q[-2] for q, _ in thread_history(handbook.database, "acme", "test", "general", "mem-2", budget)] == ["2"]
    assert thread_history(handbook.database, "acme", "test", "general", "other-thread", 10_000) == []
