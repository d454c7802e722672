"""Active markup: script and event-handler payloads that aim at whatever renders the answer."""

from __future__ import annotations

import re

_ACTIVE = re.compile(
    r"<\s*/?\s*(?:script|iframe|object|embed|svg|math|base|meta)\b"
    r"|\b(?:java|vb|live)script\s*:"
    r"|<[^>]*\bon[a-z]{3,}\s*=|\bdata\s*:\s*text/html"
    r"|<\s*img\b[^>]*\bsrc\s*="
    r"|\bexpression\s*\(|\balert\s*\(\s*['\"\d]|\bdocument\s*\.\s*(?:cookie|location|write)\b"
    r"|<!--\s*\[if|\bfromCharCode\s*\(",
    re.IGNORECASE,
)


class ActiveMarkup:
    """Finds HTML/JavaScript payloads (XSS): script tags, ``javascript:`` URLs, event handlers.

    Chat users ask in words; an answer rendered in the admin page, an export or a chat client must not
    carry script, so a message that does is an attack on the renderer, not a question.
    """

    name = "markup"

    def found(self, text: str) -> bool:
        """Whether ``text`` carries active markup."""
        return _ACTIVE.search(text) is not None
