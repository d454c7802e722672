"""The "key fact" check: does an answer contain the key tokens of the reference answer?

Key tokens of a reference answer (all compared case-insensitively; the scorer is the gate's,
``agents.eval.scoring``):

* numbers: digit runs with inner ``.``/``,``/``:`` parts (``0.23``, ``15:00``, ``1,500``); a thousands comma
  is dropped (``1,500`` = ``1500``) and the number words one..twelve count as their digits (``Three`` = ``3``);
  a number matches only a whole number of the answer, spelled either way (``5`` does not match ``15``), and
  citation markers such as ``[1]`` are not numbers of the answer;
* channels (``#out-sick``) and slash commands (``/incident``), matched at the start of a word;
* capitalised names: every word that starts with a capital letter (``Harbor``, ``CET``, ``YubiKey``,
  ``SEV1``), except the reference's first word when it is an ordinary sentence opener (``Yes``, ``Within``,
  ``Every``...); matched at the start of a word of the answer, so ``EUR`` matches ``euros``.

An answer *hits* when it contains every key token of its reference; its *key-token recall* is the share
it contains. References without key tokens would be left out of both rates (the handbook set has none).
"""

from __future__ import annotations

from agents.eval.scoring import key_fact_counts


def key_fact_score(answer: str, reference: str) -> tuple[int, int]:
    """``(found, total)``: how many of the reference's key tokens ``answer`` contains."""
    return key_fact_counts(answer, reference)
