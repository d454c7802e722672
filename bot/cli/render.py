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


def render_reply(reply: Reply) -> str:
    """The answer, then one line per citation: ``[n] Title > Heading — path``."""
    lines = [reply.text]
    if reply.citations:
        lines.append("")
        lines.append("Sources:")
        for c in reply.citations:
            heading = f" > {c.heading_path}" if c.heading_path and c.heading_path != c.title else ""
            lines.append(f"  [{c.n}] {c.title}{heading} — {display_source(c.source)}")
    return "\n".join(lines)
