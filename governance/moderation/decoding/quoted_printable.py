"""Quoted-printable and MIME encoded-words (``=3D``, ``=?utf-8?q?...?=``, ``=?utf-8?b?...?=``)."""

from __future__ import annotations

import email.header
import quopri
import re

from governance.moderation.decoding.readable import readable
from governance.moderation.decoding.revealed import Revealed

_ESCAPE = re.compile(r"=[0-9A-F]{2}|=\r?\n")
_WORD = re.compile(r"=\?[\w-]+\?[QqBb]\?[^?\s]*\?=")


class QuotedPrintableDecoder:
    """Decodes text with quoted-printable escapes or MIME encoded-words.

    Quoted-printable leaves most characters as they are, so the result is classified (and checked for
    active markup) but is not itself hidden text.
    """

    name = "quoted_printable"

    def reveal(self, text: str) -> list[Revealed]:
        """The decoded text, when there was anything to decode."""
        if _WORD.search(text):
            decoded = _words(text)
        elif len(_ESCAPE.findall(text)) >= 1:
            decoded = readable(quopri.decodestring(text.encode("utf-8", "replace")))
        else:
            return []
        return [Revealed(self.name, decoded, hidden=False)] if decoded and decoded != text else []


def _words(text: str) -> str | None:
    try:
        parts = email.header.decode_header(text)
    except (ValueError, LookupError):
        return None
    return "".join(p.decode(c or "utf-8", "replace") if isinstance(p, bytes) else p for p, c in parts)
