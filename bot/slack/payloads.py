"""Reading Slack payloads: the tenant, who sent a message, what it says, and whether to ignore it."""

from __future__ import annotations

import re
from typing import Any

# Message subtypes that are people (or bots) saying something; edits, joins, deletions are not.
SPOKEN_SUBTYPES = frozenset({"", "file_share", "thread_broadcast", "bot_message", "me_message"})
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"^<([^|>]+)(?:\|[^>]*)?>$")


class MissingTenant(ValueError):
    """The payload names no workspace."""


def tenant_of(body: dict[str, Any], context: Any = None) -> str:
    """The workspace (team id) the payload came from: Steward's tenant."""
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    if not team and context is not None:
        team = getattr(context, "team_id", None) or getattr(context, "enterprise_id", None)
    if not team:
        raise MissingTenant("the Slack payload has no team id")
    return str(team)


def action_channel(body: dict[str, Any]) -> str:
    """The channel of the message whose button was clicked."""
    return str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")


def action_thread(body: dict[str, Any]) -> str | None:
    """The thread of the message whose button was clicked; None for a top-level message (a DM, say)."""
    container, message = body.get("container") or {}, body.get("message") or {}
    thread = container.get("thread_ts") or message.get("thread_ts")
    return str(thread) if thread else None


def action_message_ts(body: dict[str, Any]) -> str | None:
    """The ts of the message whose button was clicked (None if the payload lacks it)."""
    ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
    return str(ts) if ts else None


def is_ephemeral(body: dict[str, Any]) -> bool:
    """Whether the clicked message is ephemeral (only the clicker sees it, e.g. ``/steward ask``)."""
    return bool((body.get("container") or {}).get("is_ephemeral"))


def is_own(event: dict[str, Any], bot_user_id: str | None, bot_id: str | None) -> bool:
    """Whether Steward itself sent the message."""
    user, bot = event.get("user"), event.get("bot_id")
    return bool((bot_user_id and user == bot_user_id) or (bot_id and bot == bot_id))


def is_bot(event: dict[str, Any]) -> bool:
    """Whether a bot (or an app) sent the message."""
    return bool(event.get("bot_id")) or event.get("subtype") == "bot_message"


def is_spoken(event: dict[str, Any]) -> bool:
    """Whether the message event is something said, not an edit, deletion or channel notice."""
    return (event.get("subtype") or "") in SPOKEN_SUBTYPES and not event.get("hidden")


def sender_of(event: dict[str, Any]) -> str:
    """The id of whoever sent the message (a bot's id when a bot without a user sent it)."""
    return str(event.get("user") or event.get("bot_id") or "")


def mentions(text: str, user_id: str | None) -> bool:
    """Whether ``text`` mentions ``user_id``."""
    return bool(user_id) and f"<@{user_id}" in text


def question_of(text: str) -> str:
    """The message text without user mentions."""
    return " ".join(_MENTION.sub(" ", text or "").split())


def unwrap_link(token: str) -> str:
    """``<https://x|label>`` (how Slack sends links) → ``https://x``; other text unchanged."""
    found = _LINK.match(token.strip())
    return found.group(1) if found else token.strip()
