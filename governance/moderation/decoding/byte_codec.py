"""Binary-to-text encodings (base64, base32, base16/hex, Ascii85, uuencode, Base2048): decode runs that fit."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from governance.moderation.decoding.english import EnglishScore
from governance.moderation.decoding.readable import readable
from governance.moderation.decoding.revealed import Revealed

Decode = Callable[[str], bytes]
MIN_SCORED = 12
_WORDLIKE = re.compile(r"(?=.{3})(?:[A-Z]?[a-z]+(?:[ '-]+[A-Z]?[a-z]+)*|[A-Z]+(?:[ '-]+[A-Z]+)*)[.!?]?")


def shaped(run: str) -> bool:
    """Whether a run looks like encoder output rather than a word: a digit, padding, or a capital inside."""
    return any(ch.isdigit() or ch == "=" for ch in run) or any(ch.isupper() for ch in run[1:])


def wordlike(decoded: str) -> bool:
    """Words in one case (``Hello``, ``good morning``, ``ABC``), three characters or more; not ``HEu``."""
    return _WORDLIKE.fullmatch(decoded.strip()) is not None


class ByteCodecDecoder:
    """Decodes every run of ``pattern`` with ``decode``; keeps results that read as text.

    A run is kept when it decodes without error to readable UTF-8 that either reads more like English
    than the run itself (``EnglishScore.gain`` above ``min_gain``) or, for a run ``is_shaped`` like encoder
    output, is a plain word or phrase (short payloads such as ``V29n`` are too short to score). Ordinary
    words that happen to fit an alphabet decode to noise and are dropped; so are commit hashes, UUIDs and
    Slack or Discord ids. With ``distinctive`` (Base2048, Ecoji: alphabets no language uses), any
    readable, mostly ASCII result is kept.
    """

    def __init__(
        self,
        name: str,
        pattern: str,
        decode: Decode,
        english: EnglishScore,
        *,
        min_gain: float = 0.0,
        is_shaped: Callable[[str], bool] = shaped,
        distinctive: bool = False,
        limit: int = 8,
        flags: int = 0,
    ) -> None:
        self.name = name
        self._pattern = re.compile(pattern, flags)
        self._decode = decode
        self._english = english
        self._min_gain = min_gain
        self._shaped = is_shaped
        self._distinctive = distinctive
        self._limit = limit

    def reveal(self, text: str) -> list[Revealed]:
        """Readable text hidden in runs of this encoding, at most ``limit`` runs."""
        found: list[Revealed] = []
        for match in self._pattern.finditer(text):
            run = match.group(0).strip("\r\n\t")
            if len(run) < MIN_SCORED and not (self._distinctive or self._shaped(run)):
                continue  # an ordinary short word: ``_keep`` would drop whatever it decodes to
            decoded = self._try(run)
            if decoded is not None and self._keep(run, decoded):
                found.append(Revealed(self.name, decoded))
                if len(found) >= self._limit:
                    break
        return found

    def _keep(self, run: str, decoded: str) -> bool:
        if self._shaped(run) and wordlike(decoded):
            return True
        if self._distinctive:  # an alphabet no language uses: decoding to ASCII text is proof enough
            return sum(ch.isascii() for ch in decoded) >= 0.9 * len(decoded)
        if len(run) < MIN_SCORED or sum(ch.isascii() and ch.isalpha() for ch in decoded) < MIN_SCORED // 2:
            return False  # too short to score: noise from a word would pass as often as a payload
        return self._english.gain(run, decoded) > self._min_gain

    def _try(self, run: str) -> str | None:
        try:
            return readable(self._decode(run))
        except Exception:  # noqa: BLE001 - decoders of untrusted text raise many kinds of error; none is ours
            return None


def from_base64(run: str) -> bytes:
    """Standard or URL-safe base64, padding optional."""
    run = run.rstrip("=").translate(str.maketrans("-_", "+/"))
    return base64.b64decode(run + "=" * (-len(run) % 4), validate=True)


def from_base32(run: str) -> bytes:
    """RFC 4648 base32, padding optional."""
    run = run.rstrip("=")
    return base64.b32decode(run + "=" * (-len(run) % 8))


def from_hex(run: str) -> bytes:
    """Base16 in either case, optionally with ``0x`` prefixes or blanks between bytes."""
    return bytes.fromhex(re.sub(r"0x|\\x|[\s:]", "", run))


def from_ascii85(run: str) -> bytes:
    """Ascii85, with or without the Adobe ``<~ ~>`` frame."""
    return base64.a85decode(run, adobe=run.startswith("<~"))


def from_base85(run: str) -> bytes:
    """Base85 (RFC 1924 alphabet, Python's ``b85encode``)."""
    return base64.b85decode(run)


def from_uu(run: str) -> bytes:
    """One uuencoded line: its length character must match the characters that follow."""
    line = run.rstrip("\n")
    size = ord(line[0]) - 32
    expected = -(-size // 3) * 4
    if not 0 < size <= 45 or not expected - 2 <= len(line) - 1 <= expected:
        raise ValueError("not a uuencoded line")
    return binascii.a2b_uu(line)[:size]


def from_base2048(run: str) -> bytes:
    """Base2048 (qntm's alphabet, as garak uses)."""
    import base2048

    return base2048.decode(run)


def from_ecoji(run: str) -> bytes:
    """Ecoji (emoji as a base-1024 alphabet, as garak uses)."""
    import io

    import ecoji

    out = io.BytesIO()
    ecoji.decode(io.StringIO(run), out)
    return out.getvalue()
