"""With the PII vault enabled, the asker sees their own values again in the reply (never stored or logged)."""

from __future__ import annotations

import dataclasses
import re

from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn
from governance.pii.pseudonyms import PLACEHOLDER
from governance.pii.redactor import Redactor


class RestoreStep:
    """Runs last, after the record and audit steps: only the reply shown to the asker changes."""

    name = "restore"

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor

    async def __call__(self, turn: Turn) -> Reply | None:
        """Put back the values of the placeholders this user's own message produced."""
        names, answer = turn.pseudonyms, turn.answer
        if not self._redactor.can_restore or names is None or answer is None:
            return None
        own = {m.group(0) for m in PLACEHOLDER.finditer(turn.text)}

        def value(match: re.Match[str]) -> str:
            placeholder = match.group(0)
            return (names.value(placeholder) or placeholder) if placeholder in own else placeholder

        text = PLACEHOLDER.sub(value, answer.text)
        turn.answer = dataclasses.replace(answer, text=text)
        return None
