"""Runs the moderation layers in order and returns the most severe verdict."""

from __future__ import annotations

from collections.abc import Sequence

from governance.moderation.protocol import Moderator
from governance.moderation.verdict import SURFACES, Action, Surface, Verdict, most_severe


class ModerationChain:
    """The layers in order (cheapest first); the verdict is the most severe, earliest on a tie.

    Every layer checks ``normalise(text)`` (invisible characters removed, look-alike letters folded);
    the injection layer also checks text hidden in base64. The chain hands layers the original text so
    the rules layer can redact it in place. A ``block`` stops the chain: nothing can outrank it, and the
    hosted call is saved. For chunks, a ``block`` means quarantine: never give that chunk to the model.
    """

    name = "chain"

    def __init__(self, layers: Sequence[Moderator]) -> None:
        self.layers = tuple(layers)

    def check(self, text: str, surface: Surface) -> Verdict:
        """The most severe verdict of all layers for ``text`` seen on ``surface``."""
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}; expected one of {SURFACES}")
        verdicts = []
        for layer in self.layers:
            verdict = layer.check(text, surface)
            if verdict.action is Action.BLOCK:
                return verdict
            verdicts.append(verdict)
        worst = most_severe(verdicts)
        return worst if worst is not None and worst.flagged else Verdict.allow(self.name)

    def check_chunks(self, chunks: Sequence[str]) -> list[Verdict]:
        """One verdict per retrieved chunk, in order; drop those whose verdict is ``block``."""
        return [self.check(chunk, "chunk") for chunk in chunks]

    def close(self) -> None:
        """Release layer resources (the hosted client's connections)."""
        for layer in self.layers:
            close = getattr(layer, "close", None)
            if callable(close):
                close()
