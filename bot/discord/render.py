"""Plain results as Discord message text: answers with numbered citations, split under 2,000 characters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from agents.answer import Citation
from agents.ingestion.ingest import IngestReport
from bot.commands import Source
from bot.pipeline.message import Reply

LIMIT = 2000  # Discord's message length limit, in characters
_CURSOR = " …"
_COMMANDS = ("ask", "sources", "ingest", "forget-me", "audit-export")


def is_url(source: str) -> bool:
    """Whether a citation or document source is a web address (so it can be linked)."""
    return source.lower().startswith(("http://", "https://"))


def _escape(text: str) -> str:
    """Keep titles from breaking link syntax or formatting."""
    return re.sub(r"([\[\]*_`~|\\])", r"\\\1", text)


def _where(source: str, label: str) -> str:
    if is_url(source):
        return f"[{_escape(label)}](<{source}>)"
    return f"{_escape(label)} · `{PurePosixPath(source.replace(chr(92), '/')).name}`"


def citation_line(citation: Citation) -> str:
    """``[n] Title › Heading`` linked to its source when that is a URL (file sources show their name)."""
    label = citation.heading_path.replace(" > ", " › ") if citation.heading_path else citation.title
    return f"`[{citation.n}]` {_where(citation.source, label or citation.source)}"


def _hard_split(piece: str, limit: int) -> list[str]:
    """Cut one over-long piece at whitespace where possible."""
    parts = []
    while len(piece) > limit:
        cut = piece.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        parts.append(piece[:cut].rstrip())
        piece = piece[cut:].lstrip()
    return [*parts, piece]


def split_message(text: str, limit: int = LIMIT) -> list[str]:
    """Split text into messages of at most ``limit`` characters, at line breaks, then spaces."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines():
        for piece in _hard_split(line, limit):
            joined = f"{current}\n{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
                continue
            if current.strip():
                chunks.append(current.rstrip())
            current = piece
    if current.strip():
        chunks.append(current.rstrip())
    return chunks or ["…"]


def render_reply(reply: Reply, limit: int = LIMIT) -> list[str]:
    """The answer, then its numbered sources, as one or more messages under the limit."""
    text = reply.text.strip() or "…"
    if reply.citations:
        lines = "\n".join(citation_line(c) for c in sorted(reply.citations, key=lambda c: c.n))
        text = f"{text}\n\n**Sources**\n{lines}"
    return split_message(text, limit)


def preview(text: str, limit: int = LIMIT) -> str:
    """A partial (streaming) answer that fits one message."""
    text = text.strip()
    if len(text) + len(_CURSOR) <= limit:
        return text + _CURSOR
    return text[: limit - len(_CURSOR)].rstrip() + _CURSOR


def render_help(text: str) -> str:
    """The shared help text in Discord markdown: bold is ``**``, and commands are slash commands."""
    text = re.sub(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])", r"**\1**", text)
    text = re.sub(r"`(" + "|".join(_COMMANDS) + r")\b", r"`/\1", text)
    return text.replace("files shared with me are", "files attached to `/ingest` or sent to me are")


def render_sources(sources: Sequence[Source], limit: int = LIMIT) -> str:
    """The documents a channel can search, as one message (the rest counted, not listed)."""
    if not sources:
        return "No documents are available here yet. An admin can add some with `/ingest`."
    head = f"**Documents this channel can search** ({len(sources)})"
    lines = [head]
    for n, source in enumerate(sources):
        line = f"• {_where(source.source, source.title or source.source)} — `{source.collection}`"
        more = f"…and {len(sources) - n} more"
        if len("\n".join([*lines, line, more])) > limit:
            lines.append(more)
            break
        lines.append(line)
    return "\n".join(lines)


def render_ingest(report: IngestReport, collection: str) -> str:
    """What an ingest did, with the reasons for anything skipped or failed."""
    lines = [f"Ingested into `{collection}`: {report.summary()}."]
    for source, reason in [*report.skipped, *report.failed][:10]:
        lines.append(f"• `{PurePosixPath(source).name or source}`: {reason}")
    for note in report.quarantined[:10]:
        name = PurePosixPath(note.source).name or note.source
        noun = "sentence" if note.sentences == 1 else "sentences"
        lines.append(f"• `{name}`: quarantined {note.sentences} {noun}, {note.reason}")
    return split_message("\n".join(lines))[0]


_FORGOTTEN = {"answers": "answers", "conversations": "conversations", "feedback": "votes"}


def render_forgotten(removed: dict[str, int]) -> str:
    """What ``/forget-me`` erased."""
    counts = ", ".join(f"{removed[k]} {label}" for k, label in _FORGOTTEN.items() if removed.get(k))
    counts = counts or "nothing was stored"
    return f"Done: your questions, answers and feedback are erased ({counts})."
