"""Golden replies through the real pipeline and database, for the cases that used to come out broken.

Each case ingests a small document of its own (from the sample handbook where the case came from) and asks
through the governed pipeline. The hosted model is the local fake OpenAI server scripted to answer off-topic,
so its answer is never grounded and the reply is decided by the extractive path, deterministically:
a table row comes back as a sentence with its headers, a table header is never quoted, a hard-wrapped
sentence comes back whole, a FAQ question is answered by its paragraph, and when no passage answers the
question the reply is an honest "I don't know" naming the nearest sources.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from agents.config import HostedSettings, RouterSettings
from bot.container import Steward
from bot.pipeline.message import IncomingMessage, Reply
from bot.settings import Settings
from tests.conftest import HANDBOOK
from tests.fake_openai import Behaviour, FakeOpenAI

pytestmark = pytest.mark.slow

OFF_TOPIC = "Our cafeteria serves a vegetarian lunch every weekday from noon."
TENANT = "golden"

NOTICE = """# Offboarding

## Notice periods

If you decide to leave, tell your manager first, in person or on a video call, and then confirm your
resignation in writing through HiBob. Your notice period is set out in your contract. For most employees it is:

| Time at Northwind Labs | Notice period |
|---|---|
| Probation period | 1 week |
| Up to 2 years | 1 month |
| More than 2 years | 2 months |

Notice periods start on the first day of the following month, unless you and your manager agree otherwise.
"""

LAPTOP = "Laptops\nA lost laptop must\nbe reported to the security team within one hour.\n"

FAQ = """Programming FAQ
===============

How do I convert a string to a number?

For integers, use the built-in int() type constructor, for example int('144')
returns 144. Similarly, float() converts a string to a floating-point number,
so float('144') returns 144.0.

How do I convert a number to a string?

To convert the number 144 to the string '144', use the built-in type
constructor str(). If you want a hexadecimal or octal representation, use
the built-in functions hex() or oct().
"""

ON_CALL = """# On-call

This page explains how our on-call rotations work. The rotation hands over on Tuesday morning, and the
primary engineer answers pages during the week. The secondary engineer steps in when the primary cannot be
reached.
"""


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default=Behaviour(text=OFF_TOPIC)) as server:
        yield server


@pytest.fixture
def app(steward: Steward, settings: Settings, fake: FakeOpenAI) -> Steward:
    """Steward answering with the (off-topic) hosted fake only; the session's database."""
    hosted = HostedSettings(
        base_url=fake.base_url, api_key=SecretStr("sk-test"), model="fake-model", max_retries=0, timeout_s=5
    )
    new = settings.model_copy(update={"hosted": hosted, "router": RouterSettings(route="hosted-only")})
    return Steward(new, steward.database)


def _ingest(app: Steward, tmp_path: Path, name: str, content: str, collection: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    report = app.ingestor.ingest([path], TENANT, collection)
    assert not report.failed and not report.skipped, report


def _ask(app: Steward, question: str, collection: str) -> Reply:
    message = IncomingMessage(
        platform="test", tenant=TENANT, channel="C1", user="U1", text=question, collections=(collection,)
    )
    return asyncio.run(app.pipeline.handle(message))


def _route(app: Steward, reply: Reply) -> str:
    with app.database.engine.connect() as conn:
        sql = text("select route_reason from answers where id = :i")
        return str(conn.execute(sql, {"i": reply.answer_id}).scalar_one())


def _assert_well_formed(reply: Reply) -> None:
    body = reply.text.removeprefix("From the documents: ")
    assert "|" not in body and "?" not in body, reply.text
    assert re.search(r"[.!)] \[\d\]$", body), reply.text  # ends with a whole sentence and its citation


def test_a_table_row_is_answered_as_a_sentence_with_its_headers(app: Steward, fake: FakeOpenAI, tmp_path: Path) -> None:
    _ingest(app, tmp_path, "offboarding.md", NOTICE, "notice")
    reply = _ask(app, "what's the notice period if I've been here for three years?", "notice")
    assert fake.requests, "the hosted model was asked first"
    assert reply.text == (
        "From the documents: For more than 2 years (time at Northwind Labs), the notice period is 2 months. [1]"
    )
    assert not reply.abstained and [c.title for c in reply.citations] == ["Offboarding"]
    assert "not grounded" in _route(app, reply)


def test_a_table_header_is_never_quoted(app: Steward, tmp_path: Path) -> None:
    handbook = (HANDBOOK / "expenses-and-reimbursement.md").read_text(encoding="utf-8")
    _ingest(app, tmp_path, "expenses-and-reimbursement.md", handbook, "expenses")
    reply = _ask(app, "How do I get reimbursed for travel expenses?", "expenses")
    assert "Amount per expense" not in reply.text and "Who approves" not in reply.text
    assert reply.text.startswith("From the documents: ") and "Pleo" in reply.text
    _assert_well_formed(reply)


def test_a_hard_wrapped_sentence_comes_back_whole(app: Steward, tmp_path: Path) -> None:
    _ingest(app, tmp_path, "laptops.txt", LAPTOP, "laptops")
    reply = _ask(app, "What happens if I lose my laptop?", "laptops")
    assert reply.text == "From the documents: A lost laptop must be reported to the security team within one hour. [1]"


def test_a_faq_question_is_answered_by_its_paragraph_not_its_heading(app: Steward, tmp_path: Path) -> None:
    _ingest(app, tmp_path, "faq.rst", FAQ, "faq")
    reply = _ask(app, "How do I convert a string to a number?", "faq")
    assert reply.text.startswith("From the documents: ")
    assert "int() type constructor" in reply.text and "How do I" not in reply.text
    _assert_well_formed(reply)
    [citation] = reply.citations
    assert citation.heading_path == "Programming FAQ > How do I convert a string to a number?"


def test_no_passage_answers_so_the_reply_says_so_and_names_the_nearest_sources(
    app: Steward, fake: FakeOpenAI, tmp_path: Path
) -> None:
    _ingest(app, tmp_path, "on-call.md", ON_CALL, "oncall")
    reply = _ask(app, "How much extra pay do I get for being on call?", "oncall")
    assert fake.requests, "retrieval found the page, so a model was asked"
    assert reply.abstained and reply.citations == []
    assert reply.text == ("I don't know: the documents I can see don't answer that. The nearest sources were: On-call.")
    assert "This page explains" not in reply.text
    assert _route(app, reply).endswith("abstained: no passage answers the question")


@pytest.mark.xfail(
    strict=True,
    reason="open gap: MiniLM does not relate 'without giving my name' to the table's 'anonymous' column, so the "
    "quote is a neighbouring sentence; strict, so this fails (and the marker must go) once it is answered",
)
def test_the_speak_up_question_gets_the_speak_up_answer(app: Steward, tmp_path: Path) -> None:
    handbook = (HANDBOOK / "code-of-conduct.md").read_text(encoding="utf-8")
    _ingest(app, tmp_path, "code-of-conduct.md", handbook, "conduct")
    reply = _ask(app, "is there a way to flag bad behaviour without giving my name?", "conduct")
    assert not reply.abstained
    assert "Speak Up form" in reply.text and "anonymous" in reply.text
    _assert_well_formed(reply)
