"""Detection with Presidio's analyzer engine: spaCy NER plus pattern recognizers, one shared model."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence

from presidio_analyzer import AnalyzerEngine

from governance.pii.entity import PIIEntity
from governance.pii.pattern_detector import to_entities

# A PERSON span with digits, an @ or angle brackets is an NER slip (part of an address, a placeholder…).
_NOT_A_NAME = re.compile(r"[\d@<>]")


class PresidioDetector:
    """Runs an ``AnalyzerEngine`` over a text, in windows of at most ``window`` characters; thread-safe."""

    def __init__(self, analyzer: AnalyzerEngine, kinds: Sequence[str], threshold: float, window: int = 100_000) -> None:
        self._analyzer = analyzer
        self._kinds = list(kinds)
        self._threshold = threshold
        self._window = window
        self._lock = threading.Lock()  # spaCy pipelines are not documented as thread-safe

    def detect(self, text: str) -> list[PIIEntity]:
        """Candidate spans scoring at least the threshold, PERSON spans that cannot be names removed."""
        found: list[PIIEntity] = []
        if not text.strip():
            return found
        for offset, chunk in windows(text, self._window):
            with self._lock:
                results = self._analyzer.analyze(
                    chunk, language="en", entities=self._kinds, score_threshold=self._threshold
                )
            found += to_entities(results, self._threshold, offset)
        return [e for e in found if e.kind != "PERSON" or not _NOT_A_NAME.search(text, e.start, e.end)]


def windows(text: str, size: int) -> Iterator[tuple[int, str]]:
    """``(offset, chunk)`` pieces of at most ``size`` characters, cut at the last blank where there is one."""
    offset = 0
    while len(text) - offset > size:
        piece = text[offset : offset + size]
        cut = max(piece.rfind(" "), piece.rfind("\n")) + 1
        if cut <= size // 2:
            cut = size
        yield offset, piece[:cut]
        offset += cut
    yield offset, text[offset:]
