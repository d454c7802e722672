"""Decoders: find text hidden in encodings or disguises, one class per file behind ``Decoder``.

Encodings: base64/32/16, Ascii85, Base85, uuencode, Base2048, Ecoji, quoted-printable, ROT13, Atbash, Morse,
Braille, the NATO alphabet, Unicode tag characters, variation selectors, zero-width bits, Zalgo. Disguises:
leetspeak and look-alike letters. ``ObfuscationModerator`` runs them and classifies what they reveal.
"""
