"""The checks model output passes before anyone sees it: output moderation, output PII, groundedness.

One object, used twice: on each streamed sentence (``StreamGate``, before it is edited into a chat
message or sent as an SSE token) and on the final answer's PII (``OutputPIIStep``). PII values that occur
in the passages the answer was drawn from are the documents' own content (a help-desk address) and
pass; anything else that looks like PII in model output was made up or leaked, and is held back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from agents.grounding import content_terms, groundedness
from governance.moderation.chain import ModerationChain
from governance.pii.entity import PIIEntity
from governance.pii.redactor import Redactor
from governance.pii.spans import replace
from governance.text import strip_invisible

Failure = Literal["moderation", "pii", "groundedness"]


class OutputCheck:
    """Says whether a piece of model output may be shown, and redacts PII the passages do not contain."""

    def __init__(self, moderator: ModerationChain, redactor: Redactor, min_groundedness: float) -> None:
        self._moderator = moderator
        self._redactor = redactor
        self._min_groundedness = min_groundedness

    def failure(self, sentence: str, contexts: Sequence[str]) -> Failure | None:
        """The first check ``sentence`` fails (``None``: it may be shown); contexts are the retrieved passages."""
        if self._moderator.check(sentence, "output").flagged:
            return "moderation"
        if self.foreign_pii(sentence, contexts):
            return "pii"
        if not self.grounded(sentence, contexts):
            return "groundedness"
        return None

    def grounded(self, sentence: str, contexts: Sequence[str]) -> bool:
        """Whether the sentence's content terms are supported by one passage sentence (no terms: nothing to check)."""
        if not content_terms(sentence):
            return True
        return groundedness(sentence, list(contexts)) >= self._min_groundedness

    def foreign_pii(self, text: str, contexts: Sequence[str]) -> list[PIIEntity]:
        """PII spans of ``strip_invisible(text)`` whose value does not occur in any passage."""
        clean = strip_invisible(text)
        passages = [c.casefold() for c in contexts]
        found = self._redactor.redact(clean).entities
        return [e for e in found if not any(clean[e.start : e.end].casefold() in p for p in passages)]

    def redact_pii(self, text: str, contexts: Sequence[str]) -> tuple[str, list[str]]:
        """``text`` with foreign PII replaced by ``<KIND>``, and the kinds replaced."""
        found = self.foreign_pii(text, contexts)
        if not found:
            return text, []
        return replace(strip_invisible(text), ((e, f"<{e.kind}>") for e in found)), [e.kind for e in found]
