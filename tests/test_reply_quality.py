"""No reply in either evaluation is malformed: the handbook's questions and the Debian Reference's dev questions.

Runs the real local model on a modest subset (every third handbook question; the Debian Reference dev
questions about four of its chapters, which are the ones ingested), through ``agent.retrieve`` and
``agent.generate`` as the answer benchmark does, and fails when any reply is empty, a table header row, a
bare ``|`` row, only a question, or a fragment (``agents.eval.malformed``).
"""

from __future__ import annotations

import shutil

import pytest

from agents.eval.malformed import ReplyChecker
from agents.retrieval.store import Scope
from bench.corpora.questions import load_questions, load_unanswerable
from bot.container import Steward
from tests.conftest import QA_FILE, UNANSWERABLE, corpus_or_skip

pytestmark = pytest.mark.slow

CHAPTERS = ("ch03.en.html", "ch04.en.html", "ch05.en.html", "ch08.en.html")
HANDBOOK_STRIDE = 3


@pytest.fixture(scope="module")
def checker() -> ReplyChecker:
    """The malformed-reply detector."""
    return ReplyChecker.load()


@pytest.fixture(scope="module")
def debian(handbook: Steward, tmp_path_factory: pytest.TempPathFactory) -> Steward:
    """Four chapters of the Debian Reference ingested into the ``debian-reference`` collection."""
    directory = corpus_or_skip()
    pages = tmp_path_factory.mktemp("debian-reference")
    for name in CHAPTERS:
        shutil.copy2(directory / name, pages / name)
    report = handbook.ingestor.ingest([pages], "acme", "debian-reference")
    assert not report.failed, report.failed
    return handbook


def _malformed(app: Steward, checker: ReplyChecker, questions: list[str], collection: str) -> list[str]:
    scope = Scope("acme", (collection,))
    found = []
    for question in questions:
        text = app.agent.generate(app.agent.retrieve(question, scope)).text
        kinds = checker.kinds(text)
        if kinds:
            found.append(f"{question!r} -> {text!r} ({', '.join(kinds)})")
    return found


def test_no_handbook_reply_is_malformed(handbook: Steward, checker: ReplyChecker) -> None:
    import json

    rows = [json.loads(line) for line in QA_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [r["question"] for r in rows[::HANDBOOK_STRIDE]]
    questions += [q.strip() for q in UNANSWERABLE.read_text(encoding="utf-8").splitlines() if q.strip()][:3]
    bad = _malformed(handbook, checker, questions, "handbook")
    assert not bad, f"{len(bad)}/{len(questions)} malformed replies:\n" + "\n".join(bad)


def test_no_debian_reference_reply_is_malformed(debian: Steward, checker: ReplyChecker) -> None:
    questions = [q.question for q in load_questions("dev") if q.expected_source in CHAPTERS]
    questions += load_unanswerable("dev")[:3]
    assert len(questions) >= 20
    bad = _malformed(debian, checker, questions, "debian-reference")
    assert not bad, f"{len(bad)}/{len(questions)} malformed replies:\n" + "\n".join(bad)
