"""Keeping what document structure means when it becomes plain text.

- A table row becomes a sentence that carries its column headers and the row's label:
  ``| Time at Northwind Labs | Notice period |`` / ``| More than 2 years | 2 months |`` becomes
  "For More than 2 years (time at Northwind Labs), the notice period is 2 months."
- A list item keeps its lead-in (the paragraph before it that ends with ":", or else the section heading).
- Hard-wrapped paragraphs are unwrapped, so a sentence is never cut where the source wrapped its lines.
- Code blocks stay whole: their blank lines are kept from looking like paragraph breaks to the chunker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^#{1,6}\s")
_EMPHASIS = re.compile(r"\*\*|__|`")
_WH_TEXT = "who what when where which why how whom whose is are does do can"
_WH = frozenset(_WH_TEXT.split())
_TERMINAL = (".", "!", "?", ":", ";")
CODE_BLANK = "\u00a0"  # a blank line inside a code block: not a paragraph break for the splitter


def _clean(cell: str) -> str:
    return " ".join(_EMPHASIS.sub("", cell).replace("\\|", "|").split())


_OPENERS_TEXT = (
    "up over more less under between below above within after before from to at per no any all each every "
    "your our their the a an this that these those one two three"
)
_COMMON_OPENERS = frozenset(_OPENERS_TEXT.split())


def _lower_first(text: str) -> str:
    """Lower-case a leading capital unless the word is an acronym or a name-like single capital."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _lower_label(label: str) -> str:
    """A row label mid-sentence: "Up to 2 years" → "up to 2 years"; "Speak Up form" stays."""
    first = label.split(" ", 1)[0]
    return _lower_first(label) if first.lower() in _COMMON_OPENERS else label


def _clause(header: str, cell: str) -> str:
    name = _lower_first(header.rstrip("?").strip())
    if not name:
        return cell
    if header.endswith("?") or name.split()[0].lower() in _WH:
        return f"{name}: {cell}"
    verb = "are" if name.endswith("s") and not name.endswith("ss") else "is"
    return f"the {name} {verb} {cell}"


def row_sentence(headers: Sequence[str], cells: Sequence[str]) -> str:
    """One table row as a sentence naming its label and each column's header."""
    cells = [_clean(c) for c in cells]
    headers = [_clean(h) for h in headers] + [""] * max(0, len(cells) - len(headers))
    if len(cells) < 2 or not any(cells[1:]):
        return (cells[0] + ".") if cells and cells[0] else ""
    clauses = [_clause(h, c) for h, c in zip(headers[1:], cells[1:], strict=False) if c and c not in {"-", "—"}]
    label = _lower_label(cells[0])
    lead = f"For {label} ({_lower_first(headers[0])})" if headers[0] and label else (f"For {label}" if label else "")
    body = "; ".join(clauses)
    sentence = f"{lead}, {body}" if lead else body[0].upper() + body[1:]
    return sentence.rstrip(".") + "."


def table_sentences(rows: Sequence[Sequence[str]], has_header: bool = True) -> list[str]:
    """Sentences for a table given as rows of cells (the first row is the header when ``has_header``)."""
    if not rows:
        return []
    headers = list(rows[0]) if has_header else []
    body = rows[1:] if has_header else rows
    return [s for s in (row_sentence(headers, row) for row in body) if s]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def _is_table_start(lines: list[str], i: int) -> bool:
    return "|" in lines[i] and i + 1 < len(lines) and bool(_SEPARATOR.match(lines[i + 1])) and "-" in lines[i + 1]


def _markdown_table(lines: list[str], i: int) -> tuple[list[str], int]:
    """Sentences of the pipe table starting at ``i`` and the index after it."""
    rows = [_cells(lines[i])]
    j = i + 2
    while j < len(lines) and "|" in lines[j] and lines[j].strip():
        rows.append(_cells(lines[j]))
        j += 1
    return table_sentences(rows), j


def _lead_in(paragraph: str) -> str:
    """The last sentence of a paragraph ending with ':' (without the colon)."""
    last = re.split(r"(?<=[.!?])\s+", paragraph.strip())[-1]
    return last.rstrip(":").strip()


def _join(lines: list[str]) -> str:
    """Unwrap hard-wrapped lines into one paragraph (re-joining words hyphenated across a break)."""
    text = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if text.endswith("-") and text[-2:-1].isalpha() and line[:1].islower():
            text = text[:-1] + line
        else:
            text = f"{text} {line}" if text else line
    return text


def _list_items(lines: list[str], lead: str) -> list[str]:
    """List items, each unwrapped onto one line and prefixed with ``lead``."""
    items: list[list[str]] = []
    for line in lines:
        if _BULLET.match(line) or not items:
            items.append([_BULLET.sub("", line, count=1)])
        else:
            items[-1].append(line)
    prefix = f"{lead}: " if lead else ""
    return [f"- {prefix}{_join(item)}" for item in items]


def _paragraphs(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines; a fenced code block is one run, its blank lines kept."""
    runs: list[list[str]] = []
    current: list[str] = []
    fenced = False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                runs.append(current)
            current = []
            continue
        current.append(line if line.strip() else CODE_BLANK)
    if current:
        runs.append(current)
    return runs


def _render(run: list[str], previous: str, heading: str, first: bool) -> str:
    if _FENCE.match(run[0]) or run[0].startswith(("    ", "\t")):
        return "\n".join(run)  # code stays whole and verbatim
    out: list[str] = []
    i = 0
    while i < len(run):
        if _is_table_start(run, i):
            sentences, i = _markdown_table(run, i)
            out.extend(sentences)
            continue
        j = i + 1
        if _HEADING.match(run[i]):
            out.append(run[i])
        elif _BULLET.match(run[i]):
            while j < len(run) and not _is_table_start(run, j) and not _HEADING.match(run[j]):
                j += 1
            lead = _lead_in(previous) if previous.rstrip().endswith(":") else (heading if first and i == 0 else "")
            out.extend(_list_items(run[i:j], lead))
        else:
            while j < len(run) and not _BULLET.match(run[j]) and not _HEADING.match(run[j]):
                if _is_table_start(run, j):
                    break
                j += 1
            out.append(_join(run[i:j]))
        previous = out[-1] if out else previous
        i = j
    return "\n".join(out)


def restructure(text: str, heading: str = "") -> str:
    """Markdown-ish section text with tables as sentences, list items with lead-ins, paragraphs unwrapped."""
    blocks: list[str] = []
    for n, run in enumerate(_paragraphs(text.splitlines())):
        blocks.append(_render(run, blocks[-1] if blocks else "", heading, n == 0))
    return "\n\n".join(b for b in blocks if b.strip())


def soft_unwrap(text: str) -> str:
    """Join lines a hard wrap split: a line that does not end a sentence, followed by one that continues it.

    A line starting with a bullet, a capital after a finished sentence, or a table pipe starts anew.
    """
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        joinable = out and out[-1].strip() and stripped and not _BULLET.match(line) and "|" not in stripped
        if joinable and not ends_sentence(out[-1]) and (stripped[0].islower() or stripped[0].isdigit()):
            out[-1] = _join([out[-1], stripped])
        else:
            out.append(line)
    return "\n".join(out)


def ends_sentence(line: str) -> bool:
    """True when ``line`` ends with terminal punctuation (possibly inside quotes or brackets)."""
    return line.rstrip().rstrip("\"')]*").endswith(_TERMINAL)
