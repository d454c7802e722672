"""Presidio recognizer for PERSON backed by the name gazetteer (no NLP artifacts needed)."""

from __future__ import annotations

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from governance.pii.name_finder import NameFinder


class GazetteerNameRecognizer(LocalRecognizer):
    """Reports the names a ``NameFinder`` finds; complements spaCy's NER, which misses many two-word names."""

    NAME = "StewardGazetteerNameRecognizer"

    def __init__(self, finder: NameFinder) -> None:
        self._finder = finder
        super().__init__(supported_entities=["PERSON"], name=self.NAME)

    def load(self) -> None:
        """Nothing to load: the gazetteer is read when the finder is built."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """PERSON results for the names in ``text`` (none when PERSON is not asked for)."""
        if "PERSON" not in entities:
            return []
        metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.NAME,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        return [
            RecognizerResult("PERSON", start, end, self._finder.score, recognition_metadata=dict(metadata))
            for start, end in self._finder.find(text)
        ]
