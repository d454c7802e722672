"""The decoders the moderation chain runs by default, cheapest and most common first."""

from __future__ import annotations

from governance.moderation.decoding import byte_codec as bc
from governance.moderation.decoding.braille import BrailleDecoder
from governance.moderation.decoding.byte_codec import ByteCodecDecoder
from governance.moderation.decoding.codepoints import CodepointDecoder
from governance.moderation.decoding.confusables import ConfusablesDecoder
from governance.moderation.decoding.english import EnglishScore
from governance.moderation.decoding.invisible_bits import InvisibleBitsDecoder
from governance.moderation.decoding.leet import LeetDecoder
from governance.moderation.decoding.morse import MorseDecoder
from governance.moderation.decoding.nato import NatoDecoder
from governance.moderation.decoding.quoted_printable import QuotedPrintableDecoder
from governance.moderation.decoding.substitution import ATBASH, ROT13, SubstitutionDecoder
from governance.moderation.decoding.zalgo import ZalgoDecoder
from governance.moderation.protocol import Decoder

_EDGE = r"(?<![\w+/=-]){}(?![\w+/=-])"
BASE64 = _EDGE.format(r"[A-Za-z0-9+/_-]{4,}={0,2}")
BASE32 = _EDGE.format(r"[A-Z2-7]{8,}={0,6}|[A-Z2-7]{2,7}=+")
HEX = _EDGE.format(r"(?:[0-9a-fA-F]{2}){3,}|(?:(?:0x|\\x)?[0-9a-fA-F]{2}[ :]?){3,}")
ASCII85 = r"<~[!-u\s]{4,}~>|(?<!\S)[!-u]{4,}(?!\S)"
BASE85 = r"(?<!\S)[0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~]{5,}(?!\S)"
UU = r"(?m)(?<!\S)[!-M][!-`][ -`]{2,}$"
BASE2048 = r"(?<!\S)[^\x00-\x7f\s]{3,}(?!\S)"
ECOJI = r"(?:[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]\ufe0f?){4,}"


def standard_decoders(english: EnglishScore) -> list[Decoder]:
    """Unicode carriers, then binary-to-text codecs, then ciphers and disguises."""
    codec = ByteCodecDecoder
    return [
        CodepointDecoder("unicode_tags", 0xE0000),
        CodepointDecoder("variation_selectors", 0xE0100),
        InvisibleBitsDecoder(),
        ZalgoDecoder(),
        BrailleDecoder(),
        MorseDecoder(),
        NatoDecoder(),
        codec("base64", BASE64, bc.from_base64, english),
        codec("base32", BASE32, bc.from_base32, english),
        codec("hex", HEX, bc.from_hex, english),
        codec("ascii85", ASCII85, bc.from_ascii85, english, min_gain=1.0),
        codec("base85", BASE85, bc.from_base85, english, min_gain=1.0),
        codec("uuencode", UU, bc.from_uu, english, is_shaped=lambda run: True),
        codec("base2048", BASE2048, bc.from_base2048, english, distinctive=True),
        codec("ecoji", ECOJI, bc.from_ecoji, english, distinctive=True),
        QuotedPrintableDecoder(),
        SubstitutionDecoder("rot13", ROT13, english),
        SubstitutionDecoder("atbash", ATBASH, english),
        LeetDecoder(english),
        ConfusablesDecoder(),
    ]


__all__ = ["standard_decoders"]
