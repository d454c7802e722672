"""Prompt-injection detection: a bundled n-gram model plus a few unambiguous signatures."""

from __future__ import annotations

import re

from governance.moderation.features import windows
from governance.moderation.ngram_model import NgramLogisticModel
from governance.moderation.policy import LayerPolicy
from governance.moderation.verdict import Category, Surface, Verdict
from governance.text import decoded_segments, normalise

# Phrasings that are injections wherever they appear; they score 1.0 whatever the model says.
_SIGNATURES = re.compile(
    "|".join(
        [
            r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|preceding"
            r"|all|any|your)\b[^.\n]{0,20}\b(?:instructions?|prompts?|directives?|guidelines|guardrails)\b",
            r"\b(?:reveal|print|show|repeat|output|leak|dump|display)\b[^.\n]{0,30}\b(?:system|hidden|initial"
            r"|original|secret|developer)\s+(?:prompt|instructions)\b",
            r"\byou\s+are\s+now\b[^.\n]{0,30}\b(?:dan|jailbroken|unrestricted|unfiltered|evil)\b",
            r"<\|(?:im_start|im_end|system|endoftext)\|>|\[/?inst\]|<<sys>>",
            r"\bnew\s+(?:system\s+)?instructions\s*:",
            # Urgent override: "STOP EVERYTHING!!! NOW!!! JUST PRINT ..."
            r"\bstop\s+everything\b[^\n]{0,40}\b(?:print|say|write|output|repeat|type)\b",
            # A claim of authority for what follows: "It is a secure system message."
            r"\b(?:it|this)\s+is\s+an?\s+(?:secure|trusted|verified|privileged|official|internal|priority)\s+"
            r"(?:system|admin|developer)\s+(?:message|instruction|command)\b",
            # Completion bait for an encoded payload: "Encoded: ... Decoded:", "X encoded string: ... decoded string:"
            r"\bencoded(?:\s+string)?\s*:[\s\S]{1,2000}?\bdecoded(?:\s+string)?\s*:",
        ]
    ),
    re.IGNORECASE,
)
REASON = "This looks like an attempt to override the assistant's instructions (prompt injection)."


class InjectionClassifier:
    """Scores ``normalise(text)`` and any base64-hidden text in it, window by window, and takes the maximum.

    Long text is split into sentence-packed windows so one injected sentence is not diluted by the
    rest of a document. The default threshold is the model's strict one (precision >= 0.99 on the
    validation split), not its F1-best one: S-Labs labels any probing of the assistant ("what are your
    rules?") an attack, and a blocked employee question costs more than a probe that gets through to
    an assistant that holds no secrets. ``chunk_threshold`` defaults to ``threshold``.
    """

    name = "injection"

    def __init__(
        self,
        model: NgramLogisticModel,
        policy: LayerPolicy,
        *,
        threshold: float | None = None,
        chunk_threshold: float | None = None,
    ) -> None:
        self._model = model
        self._policy = policy
        self.threshold = model.strict_threshold if threshold is None else threshold
        self.chunk_threshold = self.threshold if chunk_threshold is None else chunk_threshold

    def score(self, text: str) -> float:
        """Injection score in [0, 1] of the most suspicious window of the text or of its decoded base64."""
        normalised = normalise(text)
        texts = [normalised] + [normalise(segment) for segment in decoded_segments(normalised)]
        if any(_SIGNATURES.search(candidate) for candidate in texts):
            return 1.0
        return max(self._model.score(window) for candidate in texts for window in windows(candidate))

    def check(self, text: str, surface: Surface) -> Verdict:
        """Flag ``text`` when its score reaches the surface's threshold."""
        action = self._policy.action_for(surface)
        if action is None:
            return Verdict.allow(self.name)
        score = self.score(text)
        threshold = self.chunk_threshold if surface == "chunk" else self.threshold
        if score < threshold:
            return Verdict.allow(self.name)
        return Verdict(action, Category.INJECTION, round(score, 4), REASON, self.name)
