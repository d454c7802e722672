"""The Debian Reference evaluation corpus: the frozen test split, the shape of the questions, and their facts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from agents.eval.scoring import key_fact_recall, normalise
from bench.corpora import fetch
from bench.corpora.questions import (
    SPLITS,
    CorpusQuestion,
    QuestionFileError,
    current_digests,
    frozen_digests,
    load_questions,
    load_unanswerable,
    read_questions,
)
from tests.conftest import corpus_or_skip


def _all() -> list[CorpusQuestion]:
    return [q for split in SPLITS for q in load_questions(split)]


def test_the_test_split_is_frozen_by_its_committed_sha256() -> None:
    frozen = frozen_digests()
    assert set(frozen) == {"questions_test.jsonl", "unanswerable_test.txt"}
    assert current_digests() == frozen


def test_sizes_and_no_question_in_both_splits() -> None:
    dev, test = load_questions("dev"), load_questions("test")
    assert len(dev) + len(test) >= 120
    assert min(len(dev), len(test)) >= 60
    assert len(load_unanswerable("dev")) == len(load_unanswerable("test")) == 10
    assert not {q.question for q in dev} & {q.question for q in test}
    assert not set(load_unanswerable("dev")) & set(load_unanswerable("test"))


def test_every_source_is_a_corpus_page() -> None:
    pages = set(fetch.PAGE_FILES)
    for q in _all():
        assert set(q.sources) <= pages, q.question


def test_questions_are_not_copied_from_headings() -> None:
    headings = re.compile(r"^\s*(?:\d+\.)+\s")
    for q in _all():
        assert not headings.match(q.question), q.question
        assert q.question[:1].islower() or q.question[:1] in "/$", q.question


def test_a_malformed_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "questions_x.jsonl"
    good = '{"question": "q", "expected_source": "a", "sources": ["a"], "answer": "x", "facts": ["x"]}'
    path.write_text(good + '\n\n{"question": "q"}\n', encoding="utf-8")
    with pytest.raises(QuestionFileError, match="questions_x.jsonl:3"):
        read_questions(path)


def test_a_question_whose_expected_source_is_not_among_its_sources_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "questions_x.jsonl"
    path.write_text('{"question": "q", "expected_source": "a", "sources": ["b"], "answer": "x", "facts": ["x"]}\n')
    with pytest.raises(QuestionFileError, match="expected_source among sources"):
        read_questions(path)


def test_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown split"):
        load_questions("train")


@pytest.fixture(scope="module")
def page_texts() -> dict[str, str]:
    """The fetched pages as plain text (fetched from the Debian archive on first use)."""
    directory = corpus_or_skip()  # no Debian archive reachable: nothing to check the facts against
    texts = {}
    for name in fetch.PAGE_FILES:
        soup = BeautifulSoup((directory / name).read_text(encoding="utf-8"), "html.parser")
        texts[name] = " ".join(soup.get_text(" ").split())
    return texts


def test_every_key_fact_is_on_the_expected_page(page_texts: dict[str, str]) -> None:
    for q in _all():
        assert key_fact_recall(page_texts[q.expected_source], q.facts) == 1.0, q.question


def test_no_question_is_a_heading_of_the_pages() -> None:
    directory = corpus_or_skip()
    headings = set()
    for name in fetch.PAGE_FILES:
        soup = BeautifulSoup((directory / name).read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(["h1", "h2", "h3", "h4", "h5", "dt", "th"]):
            headings.add(normalise(re.sub(r"^\s*[\d.]+\s*", "", tag.get_text(" "))))
    assert len(headings) > 100
    copied = [q.question for q in _all() if normalise(q.question) in headings]
    assert not copied


def test_fetched_pages_are_the_version_the_questions_were_written_against(page_texts: dict[str, str]) -> None:
    assert fetch.page_digests(fetch.CACHE) == fetch.expected_digests()
