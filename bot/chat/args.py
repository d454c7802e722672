"""Command arguments parsed the same way on every platform (Slack slash commands, Discord slash commands)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RELATIVE = re.compile(r"^(\d+)([dhw])$")
_HOURS = {"h": 1, "d": 24, "w": 24 * 7}


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    """``2025-01-31``, an ISO time (UTC when no zone is given), or ``7d``/``12h``/``2w`` ago; empty: None.

    Anything else raises ``ValueError``.
    """
    text = (text or "").strip()
    if not text:
        return None
    relative = _RELATIVE.match(text.lower())
    if relative:
        hours = _HOURS[relative.group(2)] * int(relative.group(1))
        return (now or datetime.now(UTC)) - timedelta(hours=hours)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
