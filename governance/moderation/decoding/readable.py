"""Whether decoded bytes are text a person could read (not the noise most decodings of real words give)."""

from __future__ import annotations

MIN_LETTERS = 2


def readable(raw: bytes) -> str | None:
    """``raw`` as text when it is UTF-8, nearly all printable and has letters; else ``None``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if looks_readable(text) else None


def looks_readable(text: str) -> bool:
    """Nearly all printable (or blank) characters and at least two letters."""
    if not text:
        return False
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    return printable / len(text) >= 0.95 and letters >= MIN_LETTERS
