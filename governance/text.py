"""Text normalisation applied before any governance check.

Attackers hide instructions and PII behind invisible characters, bidi overrides, homoglyphs and
base64. Every detector sees ``normalise(text)``; injection checks also see ``decoded_segments``.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

# Zero-width and formatting characters, bidi embeddings/overrides/isolates, the BOM, soft hyphen,
# variation selectors and tag characters: none carries meaning a detector needs.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]"
)
# Common Cyrillic/Greek look-alikes of Latin letters (NFKC leaves these alone).
_HOMOGLYPHS = str.maketrans(
    "АВЕНІЈКМОРЅТХУаеіјорсѕхуԁһӏΑΒΕΗΙΚΜΝΟΡΤΥΧαορνιϲ",
    "ABEHIJKMOPSTXYaeijopcsxydhlABEHIKMNOPTYXaopvic",
)
_SPACES = re.compile(r"[^\S\n]+")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")


def strip_invisible(text: str) -> str:
    """Remove invisible and bidi-control characters; keep everything else as written."""
    return _INVISIBLE.sub("", text)


def normalise(text: str) -> str:
    """NFKC, no invisible characters, Latin look-alikes folded, runs of blanks collapsed."""
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    return _SPACES.sub(" ", text.translate(_HOMOGLYPHS))


def decoded_segments(text: str, limit: int = 8) -> list[str]:
    """Printable text hidden in base64 runs (at most ``limit`` of them), for injection checks."""
    found: list[str] = []
    for match in _BASE64.finditer(text):
        decoded = _decode(match.group(0))
        if decoded:
            found.append(decoded)
            if len(found) >= limit:
                break
    return found


def _decode(candidate: str) -> str | None:
    padded = candidate + "=" * (-len(candidate) % 4)
    try:
        raw = base64.b64decode(padded, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    return text if text and printable / len(text) > 0.95 and any(ch.isalpha() for ch in text) else None
