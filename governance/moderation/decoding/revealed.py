"""The plain result a decoder returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Revealed:
    """Text a decoder found, and whether it was hidden.

    ``hidden`` is true when the text was carried in an encoding a person does not write by hand
    (base64, hex, Morse, Unicode tag characters...): users ask in plain words, so on the input surface
    hidden text is blocked whatever it says. It is false for disguises of readable text (leetspeak,
    look-alike letters), which are only classified. ``text`` is empty when the carrier was recognised
    but cannot be decoded exactly (Sneaky Bits).
    """

    decoder: str
    text: str
    hidden: bool = True
