"""Block Kit for Steward's messages: answers with numbered citations, 👍/👎 and 🔄, sources, the reason modal."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from agents.answer import Citation
from bot.commands import Source
from bot.pipeline.message import Reply

Block = dict[str, Any]

VOTE_UP = "steward_vote_up"
VOTE_DOWN = "steward_vote_down"
VOTE_ACTIONS = re.compile(f"^({VOTE_UP}|{VOTE_DOWN})$")
REGENERATE = "steward_regenerate"
REASON_VIEW = "steward_feedback_reason"
REASON_BLOCK = "reason"
REASON_INPUT = "reason"
SECTION_CHARS = 2900  # Slack allows 3000 characters of text per section
MAX_LINES = 40
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup (``&``, ``<``, ``>``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Model output as Slack mrkdwn: escaped, with Markdown ``**bold**`` as Slack's ``*bold*``."""
    return _BOLD.sub(r"*\1*", escape(text))


def _chunks(text: str, size: int = SECTION_CHARS) -> list[str]:
    """Split ``text`` into pieces of at most ``size`` characters, preferring line breaks."""
    pieces: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*pieces, text] if text else pieces


def sections(text: str) -> list[Block]:
    """Mrkdwn section blocks holding ``text`` (already mrkdwn), split to fit."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in _chunks(text) or [" "]]


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _label(title: str, source: str) -> str:
    name = escape(title or source.rsplit("/", 1)[-1] or source)
    if not _is_url(source):
        return name
    url = source.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{url}|{name.replace('|', '/')}>"


def citation_line(citation: Citation) -> str:
    """``[n] <url|title> › heading`` for web sources; ``[n] title › heading`` for files."""
    heading = f" › {escape(citation.heading_path)}" if citation.heading_path else ""
    return f"[{citation.n}] {_label(citation.title, citation.source)}{heading}"


def citation_blocks(citations: Sequence[Citation]) -> list[Block]:
    """The numbered sources under an answer."""
    if not citations:
        return []
    lines = [citation_line(c) for c in sorted(citations, key=lambda c: c.n)[:MAX_LINES]]
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": _chunks("\n".join(lines))[0]}]}]


def feedback_actions(answer_id: str) -> Block:
    """👍/👎 and 🔄 Regenerate buttons whose value is the answer id."""
    return {
        "type": "actions",
        "block_id": "steward_feedback",
        "elements": [
            _button("👍", VOTE_UP, answer_id, "Helpful"),
            _button("👎", VOTE_DOWN, answer_id, "Not helpful"),
            _button("🔄 Regenerate", REGENERATE, answer_id, "Answer this question again"),
        ],
    }


def _button(text: str, action_id: str, value: str, label: str) -> Block:
    return {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "accessibility_label": label,
    }


def reply_text(reply: Reply) -> str:
    """The plain-text fallback (notifications, screen readers) of a reply."""
    return reply.text or "(no answer)"


def reply_blocks(reply: Reply) -> list[Block]:
    """An answer with its citations, 👍/👎 and 🔄; a refusal (denied, rate limited, blocked...) as plain text."""
    blocks = sections(mrkdwn(reply.text or "(no answer)"))
    if reply.answer_id is None:
        return blocks
    return [*blocks, *citation_blocks(reply.citations), feedback_actions(str(reply.answer_id))]


def notice_blocks(text: str) -> list[Block]:
    """A plain message (Steward's own mrkdwn, not escaped)."""
    return sections(text)


def sources_blocks(found: Iterable[Source]) -> list[Block]:
    """The documents a channel can search, grouped by collection."""
    lines = [f"• {_label(s.title, s.source)} _({escape(s.collection)})_" for s in list(found)[:MAX_LINES]]
    if not lines:
        return sections("This channel cannot search any documents yet.")
    return sections("*This channel searches:*\n" + "\n".join(lines))


def reason_modal(answer_id: str, channel: str) -> Block:
    """The modal a 👎 opens: an optional reason, sent back with the answer id in ``private_metadata``."""
    return {
        "type": "modal",
        "callback_id": REASON_VIEW,
        "private_metadata": json.dumps({"answer_id": answer_id, "channel": channel}),
        "title": {"type": "plain_text", "text": "Feedback"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Skip"},
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "What was wrong with the answer? (optional)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "max_length": 2000,
                },
            }
        ],
    }


def reason_of(view: dict[str, Any]) -> tuple[str, str]:
    """``(answer_id, reason)`` from a submitted reason modal (the reason may be empty)."""
    meta = json.loads(view.get("private_metadata") or "{}")
    value = view.get("state", {}).get("values", {}).get(REASON_BLOCK, {}).get(REASON_INPUT, {}).get("value")
    return str(meta.get("answer_id", "")), str(value or "")
