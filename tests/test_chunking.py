"""Chunking: heading paths survive, no chunk exceeds the token budget, HTML boilerplate is dropped."""

from __future__ import annotations

import pytest

from agents.config import EmbeddingSettings
from agents.embeddings import SentenceTransformerEmbeddings
from agents.ingestion.chunking import Chunker, content_hash, markdown_sections, markdown_title
from agents.ingestion.loaders import html_to_markdown

DOC = """# Travel Policy

Intro paragraph about travel.

## Booking

### Flights
Book economy for flights under seven hours.

### Hotels
Hotels are capped at 160 EUR per night in most cities.

## Expenses
Meals are capped at 75 EUR per day.
"""


@pytest.fixture(scope="module")
def tokenizer():
    return SentenceTransformerEmbeddings(EmbeddingSettings()).tokenizer


def test_markdown_sections_keep_heading_paths() -> None:
    sections = markdown_sections(DOC)
    paths = [s.headings for s in sections]
    assert paths == [
        ("Travel Policy",),
        ("Travel Policy", "Booking", "Flights"),
        ("Travel Policy", "Booking", "Hotels"),
        ("Travel Policy", "Expenses"),
    ]
    assert sections[2].text == "Hotels are capped at 160 EUR per night in most cities."
    assert markdown_title(DOC) == "Travel Policy"


def test_heading_text_is_not_duplicated_into_the_body() -> None:
    for section in markdown_sections(DOC):
        assert not section.text.startswith("#")


def test_long_sections_are_split_within_the_token_budget(tokenizer) -> None:
    sentences = " ".join(f"Rule number {i} says the limit is {i * 7} euros for item {i}." for i in range(200))
    chunker = Chunker(tokenizer, chunk_tokens=64, chunk_overlap=8)
    drafts = chunker.chunk(markdown_sections(f"# Rules\n\n## Limits\n{sentences}\n"))
    assert len(drafts) > 10
    assert all(d.token_count <= 64 for d in drafts)
    assert all(d.heading_path == "Rules > Limits" for d in drafts)
    assert [d.index for d in drafts] == list(range(len(drafts)))
    # Overlap: each chunk starts with text the previous one ended with.
    assert drafts[1].text.split()[0] in drafts[0].text
    # Nothing is lost: every rule number appears in some chunk.
    joined = " ".join(d.text for d in drafts)
    assert all(f"Rule number {i} " in joined for i in range(200))


def test_overlap_must_be_smaller_than_size(tokenizer) -> None:
    with pytest.raises(ValueError, match="overlap"):
        Chunker(tokenizer, chunk_tokens=32, chunk_overlap=32)


def test_html_boilerplate_is_stripped_and_headings_kept() -> None:
    html = """<html><head><title>On-call guide</title><script>var x = 'tracking';</script></head>
    <body><nav><a href="/">Home</a> | <a href="/about">About us</a></nav>
    <main><h1>On-call</h1><p>The rotation hands over on Tuesday.</p>
    <h2>Escalation</h2><ul><li>Page the secondary after 15 minutes.</li></ul></main>
    <footer>Copyright Northwind</footer></body></html>"""
    title, markdown = html_to_markdown(html)
    assert title == "On-call guide"
    assert "tracking" not in markdown and "About us" not in markdown and "Copyright" not in markdown
    sections = markdown_sections(markdown)
    assert sections[-1].headings == ("On-call", "Escalation")
    assert "Page the secondary after 15 minutes." in sections[-1].text


def test_content_hash_ignores_whitespace_and_case() -> None:
    assert content_hash("Meals are  capped\nat 75 EUR.") == content_hash("meals are capped at 75 eur.")
    assert content_hash("75 EUR") != content_hash("76 EUR")
