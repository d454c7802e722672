"""Sections of plain text, reStructuredText, man pages and e-mail: headings found, hard wraps undone.

Recognised headings: a line underlined (or over- and underlined) with ``= - ~ ^ * + #`` (reST), an
all-capitals line at the left margin (man pages: NAME, DESCRIPTION...), and a question standing alone on
its line followed by a blank line (a FAQ entry). A question heading goes into the heading path, so a
reply can never quote the question in place of its answer. Bodies are unwrapped by ``restructure``.
"""

from __future__ import annotations

import re
import textwrap

from agents.ingestion.chunking import Section
from agents.ingestion.structure import restructure

_UNDERLINE = re.compile(r"^([=\-~^*+#`'\"])\1{2,}\s*$")
_CAPS = re.compile(r"^[A-Z][A-Z0-9 ,/&()'-]{1,60}$")
_QUOTED = re.compile(r"^>+ ?")
_MAX_HEADING_WORDS = 20
_MAX_TITLE_WORDS = 8
_LEAVES = ("?", "short")


def _is_underline(line: str, title: str) -> bool:
    return bool(_UNDERLINE.match(line)) and len(line.strip()) >= max(3, len(title.strip()) - 2)


def _heading_at(lines: list[str], i: int) -> tuple[str, int, str] | None:
    """``(title, lines consumed, underline char)`` when a heading starts at ``i``."""
    line = lines[i]
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    if _UNDERLINE.match(line) and nxt.strip() and i + 2 < len(lines) and _is_underline(lines[i + 2], nxt):
        return nxt.strip(), 3, "over" + line.strip()[0]
    if line.strip() and not _UNDERLINE.match(line) and _is_underline(nxt, line):
        return line.strip(), 2, nxt.strip()[0]
    before_blank = i == 0 or not lines[i - 1].strip()
    if not before_blank or line != line.lstrip() or not line.strip():
        return None
    words = len(line.split())
    if _CAPS.match(line.strip()) and words <= 6 and (not nxt.strip() or nxt != nxt.lstrip()):
        return line.strip().title() if words > 1 else line.strip().capitalize(), 1, "CAPS"
    if not nxt.strip() and line.rstrip().endswith("?") and words <= _MAX_HEADING_WORDS:
        return line.strip(), 1, "?"
    if _is_title_line(line, nxt):
        return line.strip(), 1, "short"
    return None


def _is_title_line(line: str, nxt: str) -> bool:
    """A short unpunctuated line opening a paragraph whose next line starts a sentence: a title."""
    text = line.strip()
    return (
        len(text.split()) <= _MAX_TITLE_WORDS
        and text[:1].isupper()
        and not text.rstrip("\"')").endswith((".", ",", ";", ":", "!", "?"))
        and nxt.strip()[:1].isupper()
        and nxt == nxt.lstrip()
    )


def _section(headings: list[tuple[str, str]], body: list[str]) -> Section | None:
    text = restructure(textwrap.dedent("\n".join(_QUOTED.sub("", ln) for ln in body)).strip("\n"))
    if not text.strip():
        return None
    return Section(headings=tuple(title for _, title in headings), text=text)


def _push(stack: list[tuple[str, str]], style: str, title: str) -> None:
    """Heading levels: reST levels are set by the order underline styles first appear; questions sit under the rest."""
    styles = [s for s, _ in stack]
    leaf = next((n for n, s in enumerate(styles) if s in _LEAVES), None)
    if style in _LEAVES and leaf is not None:
        del stack[leaf:]
    elif style in styles:
        del stack[styles.index(style) :]
    elif leaf is not None:
        del stack[leaf:]
    stack.append((style, title))


def text_sections(text: str) -> list[Section]:
    """Sections of a plain-text document, each with its heading path and unwrapped paragraphs."""
    lines = text.replace("\r\n", "\n").split("\n")
    sections: list[Section] = []
    stack: list[tuple[str, str]] = []
    body: list[str] = []
    i = 0
    while i < len(lines):
        found = _heading_at(lines, i)
        if found is None:
            body.append(lines[i])
            i += 1
            continue
        title, used, style = found
        if (section := _section(stack, body)) is not None:
            sections.append(section)
        body = []
        _push(stack, style, title)
        i += used
    if (section := _section(stack, body)) is not None:
        sections.append(section)
    return sections


def text_title(text: str) -> str | None:
    """The document title: a reST-underlined heading that opens the text, if any."""
    lines = text.replace("\r\n", "\n").lstrip("\n").split("\n")
    found = _heading_at(lines, 0) if lines else None
    return found[0] if found is not None and found[2] not in {"CAPS", *_LEAVES} else None
