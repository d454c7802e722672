"""Parsing bytes into sections: PDF pages, DOCX headings, HTML anchors, and clear reasons for what is skipped."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from agents.ingestion.loaders import SkipFile, load_file, parse, source_hash
from agents.ingestion.sources import RawSource

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def raw(name: str, data: bytes, content_type: str | None = None, etag: str | None = None) -> RawSource:
    return RawSource(origin=f"/docs/{name}", name=name, data=data, mtime=WHEN, etag=etag, content_type=content_type)


def make_pdf(
    pages: list[str], title: str | None = None, encrypt: bool = False, bookmarks: dict[int, list[str]] | None = None
) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    if title:
        pdf.set_title(title)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        for level, name in enumerate((bookmarks or {}).get(number, [])):
            pdf.start_section(name, level=level)
        if text:
            pdf.multi_cell(0, 10, text)
        else:
            pdf.rect(20, 20, 100, 60)  # a page with a drawing and no text, like a scan
    if encrypt:
        pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    return bytes(pdf.output())


def skip_reason(source: RawSource) -> str:
    with pytest.raises(SkipFile) as caught:
        parse(source)
    return caught.value.reason


# ---- PDF ----


def test_pdf_sections_keep_their_page_numbers_and_the_metadata_title() -> None:
    data = make_pdf(["Meals are capped at 75 EUR per day.", "Hotels are capped at 160 EUR per night."], "Expenses")
    doc = parse(raw("expenses.pdf", data))
    assert doc.title == "Expenses"
    assert [(s.page, s.text) for s in doc.sections] == [
        (1, "Meals are capped at 75 EUR per day."),
        (2, "Hotels are capped at 160 EUR per night."),
    ]
    assert doc.source == "/docs/expenses.pdf" and doc.size_bytes == len(data)
    assert doc.content_hash == source_hash(data) != hashlib.sha256(data).hexdigest() and doc.mtime == WHEN


def test_pdf_title_falls_back_to_the_first_line_and_bookmarks_become_heading_paths() -> None:
    data = make_pdf(
        ["Travel guide\nBook early.", "Second class is the rule.", "Taxis need a receipt."],
        bookmarks={1: ["Travel"], 2: ["Travel", "Trains"]},
    )
    doc = parse(raw("travel.pdf", data))
    assert doc.title == "Travel guide"
    assert [(s.page, s.headings) for s in doc.sections] == [
        (1, ("Travel",)),
        (2, ("Travel", "Trains")),
        (3, ("Travel", "Trains")),  # no bookmark on page 3: the one in force carries over
    ]


def test_encrypted_pdf_is_skipped() -> None:
    assert skip_reason(raw("secret.pdf", make_pdf(["Top secret."], encrypt=True))) == "encrypted PDF"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", b"this is not a PDF at all", "truncated"],
    ids=["garbage", "not-a-pdf", "truncated"],
)
def test_malformed_pdf_is_skipped_with_the_error(data: bytes | str) -> None:
    if data == "truncated":
        whole = make_pdf(["Some text that will be cut off."])
        data = whole[: len(whole) // 2]
    assert isinstance(data, bytes)
    assert skip_reason(raw("broken.pdf", data)).startswith("malformed PDF: ")


def test_pdf_without_text_is_skipped_as_probably_scanned() -> None:
    assert skip_reason(raw("scan.pdf", make_pdf(["", ""]))) == "no extractable text (scanned PDF?)"


# ---- DOCX ----


def make_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Travel Policy", 0)
    document.add_paragraph("This policy covers business travel.")
    document.add_heading("Booking", 1)
    document.add_heading("Flights", 2)
    document.add_paragraph("Book economy for flights under seven hours.")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "City", (0, 1): "Hotel cap", (1, 0): "Paris", (1, 1): "160 EUR"}.items():
        table.cell(row, col).text = text
    document.add_heading("Expenses", 1)
    document.add_paragraph("Meals are capped at 75 EUR per day.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_headings_become_heading_paths_and_tables_are_kept() -> None:
    doc = parse(raw("travel.docx", make_docx()))
    assert doc.title == "Travel Policy"
    assert [s.headings for s in doc.sections] == [
        ("Travel Policy",),
        ("Travel Policy", "Booking", "Flights"),
        ("Travel Policy", "Expenses"),
    ]
    flights = doc.sections[1].text
    assert "Book economy" in flights and "For Paris (city), the hotel cap is 160 EUR." in flights and "|" not in flights


def test_malformed_docx_is_skipped() -> None:
    assert skip_reason(raw("broken.docx", b"PK\x03\x04 not really a zip")).startswith("malformed DOCX: ")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("hello.txt", "a ZIP, but not a Word document")
    assert skip_reason(raw("empty.docx", out.getvalue())).startswith("malformed DOCX: ")


# ---- text, HTML, and what is skipped ----


def test_html_sections_carry_the_id_of_their_heading() -> None:
    html = b"""<html><head><title>On-call</title></head><body><nav>Home</nav><main>
    <p>Read this first.</p>
    <h1 id="on-call">On-call</h1><p>The rotation hands over on Tuesday.</p>
    <h2 id="escalation">Escalation</h2><p>Page the secondary after 15 minutes.</p>
    <h2><a name="contacts"></a>Contacts</h2><p>Ops lead: Dana.</p>
    <h2>Notes</h2><p>No anchor here.</p></main></body></html>"""
    doc = parse(raw("on-call.html", html))
    assert doc.title == "On-call"
    assert [(s.headings, s.anchor) for s in doc.sections] == [
        ((), None),
        (("On-call",), "on-call"),
        (("On-call", "Escalation"), "escalation"),
        (("On-call", "Contacts"), "contacts"),
        (("On-call", "Notes"), None),
    ]
    assert "Home" not in " ".join(s.text for s in doc.sections)


def test_url_sources_are_parsed_by_content_type_and_keep_their_etag() -> None:
    source = raw("page", b"<h1 id='top'>Wiki page</h1><p>Body text.</p>", "text/html; charset=utf-8", '"v1"')
    doc = parse(source)
    assert doc.title == "Wiki page" and doc.etag == '"v1"' and doc.sections[0].anchor == "top"
    assert parse(raw("notes", b"# Notes\n\nPlain.", "text/markdown")).sections[0].headings == ("Notes",)


def test_markdown_and_text_parse_as_before() -> None:
    doc = parse(raw("travel-policy.md", b"# Travel Policy\n\n## Trains\nFirst class over 4 hours.\n"))
    assert doc.title == "Travel Policy" and doc.sections[0].headings == ("Travel Policy", "Trains")
    text = parse(raw("cafeteria_hours.txt", "\ufeffOpens at 08:00.".encode()))
    assert text.title == "Cafeteria hours" and text.sections[0].text == "Opens at 08:00."


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("latin1.txt", "Caf\xe9 au lait".encode("latin-1"), "not valid UTF-8 text (byte 3)"),
        ("binary.md", b"abc\x00\x01\x02def", "binary file"),
        ("empty.md", b"  \n\t", "empty file"),
        ("empty.pdf", b"", "empty file"),
        ("bom-only.txt", b"\xef\xbb\xbf  ", "empty file"),
        ("image.png", b"\x89PNG\r\n\x1a\n", "unsupported file type .png"),
        ("Makefile", b"all:", "unsupported file type (none)"),
        ("only-headings.md", b"# Title\n\n## Empty\n", "no text content"),
    ],
)
def test_unusable_content_is_skipped_with_a_clear_reason(name: str, data: bytes, reason: str) -> None:
    assert skip_reason(raw(name, data)) == reason


def test_load_file_still_reads_paths_and_now_pdfs(tmp_path: Path) -> None:
    (tmp_path / "guide.md").write_text("# Guide\n\nHello.\n")
    (tmp_path / "manual.pdf").write_bytes(make_pdf(["Page one.", "Page two."], "Manual"))
    doc = load_file(tmp_path / "guide.md", 1_000_000)
    assert doc.source == str((tmp_path / "guide.md").resolve()) and doc.title == "Guide" and doc.etag is None
    assert [s.page for s in load_file(tmp_path / "manual.pdf", 1_000_000).sections] == [1, 2]
    with pytest.raises(SkipFile, match="larger than the 0 MB limit"):
        load_file(tmp_path / "guide.md", 5)
