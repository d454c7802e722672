"""Configured rules: blocklist terms, block patterns (regex) and banned topics."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from governance.moderation.policy import LayerPolicy
from governance.moderation.verdict import Category, Surface, Verdict
from governance.text import normalise

REDACTED = "[redacted]"


@dataclass(frozen=True)
class _Topic:
    label: str
    keywords: tuple[re.Pattern[str], ...]

    def matches(self, text: str) -> bool:
        return all(keyword.search(text) for keyword in self.keywords)


class RulesModerator:
    """Blocklist terms and block patterns (action: ``terms`` policy, ``redact`` by default) and banned topics.

    Matching runs on ``normalise(text)``, so invisible characters and look-alike letters do not hide a
    term. On ``redact`` the verdict's ``redacted_text`` is the original text with each match replaced by
    ``[redacted]``; when obfuscation hid a match from the original, the normalised text is redacted instead.
    Banned topics are checked first: a topic flag (``block`` by default) outranks a redaction.
    """

    name = "rules"

    def __init__(
        self,
        *,
        terms: LayerPolicy,
        topics: LayerPolicy,
        blocklist: Sequence[str] = (),
        block_patterns: Sequence[str] = (),
        banned_topics: Sequence[str] = (),
    ) -> None:
        self._term_policy = terms
        self._topic_policy = topics
        self._patterns = _term_patterns(blocklist) + [re.compile(p, re.IGNORECASE) for p in block_patterns]
        self._topics = [topic for topic in map(_topic, banned_topics) if topic.keywords]

    def check(self, text: str, surface: Surface) -> Verdict:
        """Topic verdict if a banned topic matches, else a term verdict if a term matches, else allow."""
        normalised = normalise(text)
        topic_action = self._topic_policy.action_for(surface)
        if topic_action is not None:
            for topic in self._topics:
                if topic.matches(normalised):
                    reason = f"This touches a topic that is off limits here ({topic.label})."
                    return Verdict(topic_action, Category.BANNED_TOPIC, 1.0, reason, self.name)
        term_action = self._term_policy.action_for(surface)
        if term_action is None or not self._count(normalised):
            return Verdict.allow(self.name)
        redacted = self._redact(text) if self._count(text) >= self._count(normalised) else self._redact(normalised)
        reason = "Some words or phrases here are on this workspace's blocklist."
        return Verdict(term_action, Category.BLOCKLIST, 1.0, reason, self.name, redacted_text=redacted)

    def _count(self, text: str) -> int:
        return sum(1 for pattern in self._patterns for match in pattern.finditer(text) if match.group(0))

    def _redact(self, text: str) -> str:
        for pattern in self._patterns:
            text = pattern.sub(_replacement, text)
        return text


def _replacement(match: re.Match[str]) -> str:
    return REDACTED if match.group(0) else ""


def _term_patterns(terms: Sequence[str]) -> list[re.Pattern[str]]:
    words = sorted({normalise(term).strip() for term in terms if term.strip()}, key=len, reverse=True)
    if not words:
        return []
    alternation = "|".join(r"\s+".join(map(re.escape, word.split())) for word in words)
    return [re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)]


def _topic(entry: str) -> _Topic:
    parts = [part.strip() for part in entry.split("+") if normalise(part.rstrip("*")).strip()]
    return _Topic(" + ".join(parts), tuple(_keyword(part) for part in parts))


def _keyword(part: str) -> re.Pattern[str]:
    prefix = part.endswith("*")
    words = normalise(part.rstrip("*")).split()
    body = r"\s+".join(map(re.escape, words))
    end = r"\w*" if prefix else r"(?!\w)"
    return re.compile(rf"(?<!\w){body}{end}", re.IGNORECASE)
