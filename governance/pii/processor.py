"""A structlog processor that scrubs PII out of every log event (defence in depth)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from governance.pii.redactor import Redactor

# Integers this long may be card, phone or account numbers logged as numbers.
_MIN_NUMERIC_DIGITS = 9
# Deeper nesting (or a cycle) is left as it is rather than recursing without end.
_MAX_DEPTH = 32


class RedactingProcessor:
    """Applies ``Redactor.scrub`` to every string in the event dict, recursing into dicts, lists and tuples.

    Put it after ``format_exc_info``/``StackInfoRenderer`` (so tracebacks are strings by then) and before the
    renderer. Keys are kept; long integers are scrubbed as their decimal text, except that an integer is never
    taken for a phone number (timestamps, byte counts and ids are integers; people write phone numbers).
    Platform ids (Slack ``U0123ABCD``, Discord snowflakes) and loopback addresses are never redacted.
    """

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor

    def __call__(self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        """Scrub ``event_dict`` in place and return it."""
        for key, value in event_dict.items():
            event_dict[key] = self._clean(value)
        return event_dict

    def _clean(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, str):
            return self._redactor.scrub(value)
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and abs(value) >= 10 ** (_MIN_NUMERIC_DIGITS - 1):
            text = str(value)
            scrubbed = self._redactor.scrub(text)
            return value if scrubbed in (text, "<PHONE_NUMBER>") else scrubbed
        if depth >= _MAX_DEPTH:
            return value
        if isinstance(value, dict):
            return {key: self._clean(item, depth + 1) for key, item in value.items()}
        if isinstance(value, list):
            return [self._clean(item, depth + 1) for item in value]
        if isinstance(value, tuple):
            return tuple(self._clean(item, depth + 1) for item in value)
        return value
