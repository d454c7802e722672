"""Plain-text rendering of replies for the terminal."""

from __future__ import annotations

from pathlib import Path

from bot.pipeline.message import Reply


def display_source(source: str) -> str:
    """Paths under the working directory are shown relative to it; anything else as stored."""
    try:
        return str(Path(source).relative_to(Path.cwd()))
    except ValueError:
        return source


def citation_label(title: str, heading_path: str) -> str:
    """``Title > Section > Subsection``, without repeating a title that is also the first heading."""
    parts = [p for p in heading_path.split(" > ") if p] if heading_path else []
    if parts and parts[0] == title:
        parts = parts[1:]
    return " > ".join([title, *parts])


def render_reply(reply: Reply) -> str:
    """The answer, then one line per citation: ``[n] Title > Heading — path``."""
    lines = [reply.text]
    if reply.citations:
        lines += ["", "Sources:"]
        for c in reply.citations:
            lines.append(f"  [{c.n}] {citation_label(c.title, c.heading_path)} — {display_source(c.source)}")
    return "\n".join(lines)
