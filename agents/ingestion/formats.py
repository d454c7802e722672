"""Parsers for PDF and DOCX bytes, and the heading-path builder shared with HTML.

PDFs are read with pypdf directly rather than LangChain's ``PyPDFLoader``/``PyPDFParser``: we need to tell
an encrypted PDF from a malformed one from a scanned one (each is a different ``SkipFile`` reason), to
catch every pypdf error ourselves, and to read the outline (bookmarks) for heading paths; the LangChain
wrappers hide the reader and turn those cases into generic exceptions or empty documents. DOCX is read
with python-docx for the same reason: we need paragraph styles and tables in document order.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

import docx
from docx.table import Table
from pypdf import PasswordType, PdfReader

from agents.ingestion.chunking import Section
from agents.ingestion.errors import SkipFile
from agents.ingestion.structure import soft_unwrap, table_sentences

Block = tuple[int | None, str, str | None]  # (heading level or None for body text, text, anchor id)

_DOCX_LEVELS = {"Title": 0, "Heading 1": 1, "Heading 2": 2, "Heading 3": 3, "Heading 4": 4}
_DOCX_MAX_EXPANDED = 200_000_000  # a DOCX is a ZIP: refuse packages that would expand past this (zip bomb)
_TITLE_CHARS = 200


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class SectionBuilder:
    """Turns a stream of headings and text blocks into sections that carry their heading path."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str, str | None]] = []
        self._lines: list[str] = []
        self.sections: list[Section] = []

    def heading(self, level: int, text: str, anchor: str | None = None) -> None:
        """Start a section under ``text``; it replaces headings of the same or a deeper level."""
        self._flush()
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text, anchor))

    def text(self, text: str) -> None:
        """Add a block of body text to the current section."""
        self._lines.append(text)

    def finish(self) -> list[Section]:
        """All sections, in order; headings without text make no section."""
        self._flush()
        return self.sections

    def _flush(self) -> None:
        if self._lines:
            headings = tuple(text for _, text, _ in self._stack)
            anchor = self._stack[-1][2] if self._stack else None
            self.sections.append(Section(headings=headings, text="\n\n".join(self._lines), anchor=anchor))
            self._lines = []


def sections_from_blocks(blocks: Iterable[Block]) -> list[Section]:
    """Sections from ``(level, text, anchor)`` blocks; ``level`` is ``None`` for body text."""
    builder = SectionBuilder()
    for level, text, anchor in blocks:
        if level is None:
            builder.text(text)
        else:
            builder.heading(level, text, anchor)
    return builder.finish()


def pdf_document(data: bytes) -> tuple[str | None, list[Section]]:
    """Title and per-page sections (``page`` 1-based) of a PDF. Any pypdf failure becomes ``SkipFile``."""
    try:
        return _read_pdf(data)
    except SkipFile:
        raise
    except Exception as exc:  # pypdf raises many exception types on malformed input
        raise SkipFile(f"malformed PDF: {_one_line(exc)}") from exc


def _read_pdf(data: bytes) -> tuple[str | None, list[Section]]:
    reader = PdfReader(io.BytesIO(data))
    _decrypt(reader)
    headings = _page_headings(reader)
    sections = []
    for number, page in enumerate(reader.pages, start=1):
        text = soft_unwrap("\n".join(line.rstrip() for line in (page.extract_text() or "").splitlines()).strip())
        if text:
            sections.append(Section(headings=headings[number - 1], text=text, page=number))
    if not sections:
        raise SkipFile("no extractable text (scanned PDF?)")
    title = reader.metadata.title if reader.metadata else None
    return (str(title).strip() if title and str(title).strip() else _first_line(sections)), sections


def _decrypt(reader: PdfReader) -> None:
    """PDFs with only an owner password open with the empty user password; others are refused."""
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception as exc:  # e.g. an AES PDF without a crypto library installed
        raise SkipFile("encrypted PDF") from exc
    if not opened:
        raise SkipFile("encrypted PDF")


def _first_line(sections: list[Section]) -> str:
    return sections[0].text.splitlines()[0].strip()[:_TITLE_CHARS]


def _page_headings(reader: PdfReader) -> list[tuple[str, ...]]:
    """Per page, the bookmark path that opens it, or else the one still in force from earlier pages."""
    starts: dict[int, list[tuple[str, ...]]] = {}
    try:
        for index, path in _bookmarks(reader, reader.outline, ()):
            starts.setdefault(index, []).append(path)
    except Exception:  # a broken outline only costs us the heading paths
        starts = {}
    result: list[tuple[str, ...]] = []
    in_force: tuple[str, ...] = ()
    for index in range(len(reader.pages)):
        marks = starts.get(index, [])
        result.append(_opening(marks) if marks else in_force)
        in_force = marks[-1] if marks else in_force
    return result


def _opening(marks: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The first bookmark on a page, deepened by the descendants that directly follow it (chapter, then section)."""
    chosen = marks[0]
    for path in marks[1:]:
        if path[: len(chosen)] != chosen:
            break
        chosen = path
    return chosen


def _bookmarks(reader: PdfReader, outline: list[Any], parent: tuple[str, ...]) -> Iterator[tuple[int, tuple[str, ...]]]:
    """``(page index, heading path)`` for each bookmark; a nested list holds the children of the item before it."""
    path = parent
    for item in outline:
        if isinstance(item, list):
            yield from _bookmarks(reader, item, path)
            continue
        path = (*parent, str(item.title).strip())
        index = reader.get_destination_page_number(item)
        if index is not None and index >= 0:
            yield index, path


def docx_document(data: bytes) -> tuple[str | None, list[Section]]:
    """Title and sections of a DOCX: Title/Heading 1-4 paragraphs form the heading path; tables are kept."""
    _check_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_docx_blocks(document))
        title = (document.core_properties.title or "").strip()
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors... on broken packages
        raise SkipFile(f"malformed DOCX: {_one_line(exc)}") from exc
    heading = next((text for level, text, _ in blocks if level is not None), None)
    return title or heading, sections_from_blocks(blocks)


def _check_package(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            expanded = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise SkipFile(f"malformed DOCX: not a ZIP package ({exc})") from exc
    if expanded > _DOCX_MAX_EXPANDED:
        raise SkipFile(f"malformed DOCX: expands to more than {_DOCX_MAX_EXPANDED // 1_000_000} MB")


def _docx_blocks(document: Any) -> Iterator[Block]:
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            text = _table_text(item)
            if text:
                yield None, text, None
            continue
        text = " ".join(item.text.split())
        if text:
            style = item.style.name if item.style is not None else ""
            yield _DOCX_LEVELS.get(style), text, None


def _table_text(table: Table) -> str:
    """One sentence per row naming the first row's headers; merged cells (repeated by python-docx) appear once."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or cells[-1] != text:
                cells.append(text)
        if any(cells):
            rows.append(cells)
    return "\n".join(table_sentences(rows))
