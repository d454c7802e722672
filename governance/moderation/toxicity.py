"""Toxicity: profanity and insults (a converted alt-profanity-check model) plus threat/dehumanisation patterns."""

from __future__ import annotations

import re

from governance.moderation.features import windows
from governance.moderation.policy import LayerPolicy
from governance.moderation.verdict import Category, Surface, Verdict
from governance.moderation.word_model import CalibratedWordModel
from governance.text import normalise

_WILL = r"(?:will|'ll|am going to|'m going to|'m gonna|are going to|are gonna|gonna|shall)"
_HARM = r"(?:kill|hurt|murder|shoot|stab|strangle|beat up|rape|break your|find and hurt)"
# The word model misses threats and hate that use no swear words; these catch the common shapes.
_PATTERNS = re.compile(
    "|".join(
        [
            rf"\b(?:i|we)\s*{_WILL}\s+(?:\w+\s+){{0,3}}{_HARM}\b[^.\n]{{0,20}}\b(?:you|him|her|them|your|ur)\b",
            r"\b(?:kill|hang|shoot)\s+(?:yo)?urself\b|\bkys\b",
            r"\bi\s+hope\s+(?:you|u)\s+(?:die|get\s+(?:hurt|raped|cancer))\b",
            r"\b(?:i|we)\s+know\s+where\s+(?:you|u)\s+live\b",
            r"\b(?:are|is)\s+(?:all\s+)?(?:vermin|subhuman|parasites|cockroaches|animals\s+and\s+should)\b",
        ]
    ),
    re.IGNORECASE,
)
REASON = "This contains abusive, threatening or hateful language."


class ToxicityClassifier:
    """Flags profanity, insults, threats of violence and dehumanising language.

    What it misses: hate or harassment phrased politely without slurs ("people like you should not
    work here"), sarcasm, and most non-English abuse. Technical uses of violent verbs ("kill the
    process") score below the default threshold.
    """

    name = "toxicity"

    def __init__(self, model: CalibratedWordModel, policy: LayerPolicy, *, threshold: float = 0.8) -> None:
        self._model = model
        self._policy = policy
        self.threshold = threshold

    def score(self, text: str) -> float:
        """Toxicity in [0, 1] of the worst window of ``normalise(text)``; 1.0 for a threat pattern."""
        normalised = normalise(text)
        if _PATTERNS.search(normalised):
            return 1.0
        return max(self._model.score(window) for window in windows(normalised))

    def check(self, text: str, surface: Surface) -> Verdict:
        """Flag ``text`` when its score reaches the threshold."""
        action = self._policy.action_for(surface)
        if action is None:
            return Verdict.allow(self.name)
        score = self.score(text)
        if score < self.threshold:
            return Verdict.allow(self.name)
        return Verdict(action, Category.TOXICITY, round(score, 4), REASON, self.name)
