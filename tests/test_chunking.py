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


# ---- structure: what tables, lists, code and hard wraps mean survives parsing ----

NOTICE = """# Offboarding

## Notice periods

If you decide to leave, tell your manager first. Your notice period is set out in your
contract. For most employees it is:

| Time at Northwind Labs | Notice period |
|---|---|
| Probation period | 1 week |
| **More than 2 years** | 2 months |

## What we don't reimburse

- Fines, including parking
  and speeding tickets.
- Minibar charges.

## Raising a concern

| Channel | Who sees it | Anonymous? |
|---|---|---|
| Speak Up form | Conduct Lead | Optional |
"""


def test_a_table_row_becomes_a_sentence_with_its_headers_and_label() -> None:
    sections = {s.headings[-1]: s.text for s in markdown_sections(NOTICE)}
    notice = sections["Notice periods"]
    assert "|" not in notice and "---" not in notice
    assert "For more than 2 years (time at Northwind Labs), the notice period is 2 months." in notice
    assert "For Probation period (time at Northwind Labs), the notice period is 1 week." in notice
    assert (
        sections["Raising a concern"] == "For Speak Up form (channel), who sees it: Conduct Lead; anonymous: Optional."
    )


def test_hard_wrapped_markdown_is_unwrapped_and_list_items_keep_their_lead_in() -> None:
    sections = {s.headings[-1]: s.text for s in markdown_sections(NOTICE)}
    assert "set out in your contract. For most employees it is:" in sections["Notice periods"]
    assert sections["What we don't reimburse"].splitlines() == [
        "- What we don't reimburse: Fines, including parking and speeding tickets.",
        "- What we don't reimburse: Minibar charges.",
    ]
    lead = markdown_sections("# A\n\nYou can choose:\n\n- Tea\n- Coffee\n")[0].text
    assert lead.split("\n\n") == ["You can choose:", "- You can choose: Tea\n- You can choose: Coffee"]


def test_a_code_block_stays_whole_in_one_chunk(tokenizer) -> None:
    code = "```python\ndef add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n```"
    prose = " ".join(f"Sentence {i} explains the example." for i in range(30))
    drafts = Chunker(tokenizer, chunk_tokens=64, chunk_overlap=8).chunk(
        markdown_sections(f"# Code\n\n{prose}\n\n{code}\n")
    )
    assert len(drafts) > 2
    assert [d.text for d in drafts if "def add" in d.text] == [code]
    assert "# Code" not in " ".join(d.text for d in drafts)  # a '#' inside the fence is not a heading


def test_plain_text_is_unwrapped_and_gets_heading_paths() -> None:
    from agents.ingestion.plaintext import text_sections, text_title

    faq = (
        "Python FAQ\n==========\n\nHow do I convert a string to a number?\n\nUse the built-in int() type\n"
        "constructor, for example int('144').\n\nNAME\n       ls - list directory\n       contents\n"
    )
    sections = text_sections(faq)
    assert text_title(faq) == "Python FAQ"
    assert [(s.headings, s.text) for s in sections] == [
        (
            ("Python FAQ", "How do I convert a string to a number?"),
            "Use the built-in int() type constructor, for example int('144').",
        ),
        (("Python FAQ", "Name"), "ls - list directory contents"),
    ]
    [laptop] = text_sections("Laptops\nA lost laptop must\nbe reported to the security team within one hour.\n")
    assert laptop.headings == ("Laptops",)
    assert laptop.text == "A lost laptop must be reported to the security team within one hour."


def test_html_tables_and_definitions_keep_their_meaning() -> None:
    from agents.ingestion.loaders import parse
    from agents.ingestion.sources import RawSource

    html = (
        "<main><h1>Hotels</h1><table><tr><th>City</th><th>Hotel cap</th></tr><tr><td>Paris</td><td>160 EUR</td>"
        "</tr></table><dl><dt>ef_search</dt><dd>Candidates HNSW keeps per query.</dd></dl></main>"
    )
    [section] = parse(RawSource(origin="x", name="x.html", data=html.encode(), mtime=None)).sections
    assert section.text == "For Paris (city), the hotel cap is 160 EUR.\n\nef_search: Candidates HNSW keeps per query."


def test_the_parser_version_is_part_of_the_content_hash() -> None:
    import hashlib

    from agents.ingestion.loaders import PARSER_VERSION, source_hash

    assert PARSER_VERSION
    assert source_hash(b"same bytes") == source_hash(b"same bytes") != hashlib.sha256(b"same bytes").hexdigest()
