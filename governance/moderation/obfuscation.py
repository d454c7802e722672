"""The decoding layer: reveals text hidden in encodings and disguises, then classifies what it finds."""

from __future__ import annotations

from collections.abc import Sequence

from governance.moderation.decoding.markup import ActiveMarkup
from governance.moderation.decoding.revealed import Revealed
from governance.moderation.policy import LayerPolicy
from governance.moderation.protocol import Decoder, Moderator
from governance.moderation.verdict import Action, Category, Surface, Verdict

HIDDEN_REASON = "This hides text in an encoding (such as base64, hex, ROT13, Morse or invisible characters)."
MARKUP_REASON = "This carries script or active markup aimed at whatever displays the answer."
MAX_CHARS = 20_000


class ObfuscationModerator:
    """Runs every decoder on the raw text and checks what they reveal.

    - On ``hidden`` surfaces, any text carried in an encoding a person does not write by hand is
      flagged whatever it says (users ask in plain words; encodings are how attacks slip past
      classifiers). Harmless strings that fit an alphabet (commit hashes, ids) decode to noise and
      are never revealed.
    - On every surface of ``policy``, revealed text goes through ``inner`` (the toxicity and
      injection layers) and active markup is looked for in the original and the revealed text.

    Only the first ``MAX_CHARS`` characters are decoded, which bounds the cost of huge messages.
    """

    name = "obfuscation"

    def __init__(
        self,
        decoders: Sequence[Decoder],
        inner: Sequence[Moderator],
        policy: LayerPolicy,
        *,
        hidden: LayerPolicy,
    ) -> None:
        self.decoders = tuple(decoders)
        self._inner = tuple(inner)
        self._policy = policy
        self._hidden = hidden
        self._markup = ActiveMarkup()

    def reveal(self, text: str) -> list[Revealed]:
        """Everything every decoder finds in ``text`` (its first ``MAX_CHARS`` characters)."""
        head = text[:MAX_CHARS]
        return [found for decoder in self.decoders for found in decoder.reveal(head)]

    def check(self, text: str, surface: Surface) -> Verdict:
        """Hidden text, markup, or the most severe inner verdict on revealed text; else allow."""
        action = self._policy.action_for(surface)
        hidden_action = self._hidden.action_for(surface)
        if action is None and hidden_action is None:
            return Verdict.allow(self.name)
        revealed = self.reveal(text)
        if hidden_action is not None and any(found.hidden for found in revealed):
            return Verdict(hidden_action, Category.OBFUSCATION, 1.0, HIDDEN_REASON, self.name)
        if action is None:
            return Verdict.allow(self.name)
        if any(self._markup.found(candidate) for candidate in [text, *(r.text for r in revealed)]):
            return Verdict(action, Category.INJECTION, 1.0, MARKUP_REASON, self.name)
        return self._inner_verdict(revealed, surface)

    def _inner_verdict(self, revealed: list[Revealed], surface: Surface) -> Verdict:
        worst = Verdict.allow(self.name)
        for found in revealed:
            for layer in self._inner:
                verdict = layer.check(found.text, surface) if found.text.strip() else worst
                if verdict.action.severity > worst.action.severity:
                    worst = Verdict(verdict.action, verdict.category, verdict.score, verdict.reason, self.name)
                    if worst.action is Action.BLOCK:
                        return worst
        return worst
