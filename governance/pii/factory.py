"""``make_redactor``: the one place a ``Redactor`` is assembled from ``PIISettings`` (by the composition root)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.pii.config import PIISettings
from governance.pii.detector import Detector
from governance.pii.redactor import Redactor
from governance.pii.vault import Vault

if TYPE_CHECKING:
    from presidio_analyzer import PatternRecognizer


def make_redactor(settings: PIISettings) -> Redactor:
    """A redactor for ``settings.mode``: ``presidio`` (NER, name gazetteer, patterns), ``patterns``, or ``off``.

    Presidio and spaCy are imported and loaded here, once (importing ``governance.pii`` stays cheap).
    ``ValueError`` for an unknown entity kind, a spaCy model that is not installed or a vault without a valid key.
    """
    from governance.pii.pattern_detector import PatternDetector
    from governance.pii.recognizers import pattern_recognizers

    vault = Vault(settings.vault_key) if settings.vault_enabled else None
    if settings.mode == "off":
        nothing = PatternDetector([], 1.0)
        return Redactor(nothing, nothing, vault)
    patterns = pattern_recognizers(settings.entities)
    scrubber = PatternDetector(patterns, settings.score_threshold)
    detector = scrubber if settings.mode == "patterns" else _presidio(settings, patterns)
    return Redactor(detector, scrubber, vault, settings.allow_list)


def _presidio(settings: PIISettings, patterns: list[PatternRecognizer]) -> Detector:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry

    from governance.pii.gazetteer import packaged_gazetteer
    from governance.pii.ner import load_ner_engine
    from governance.pii.presidio_detector import PresidioDetector
    from governance.pii.recognizers import name_recognizers

    names = name_recognizers(settings.entities, packaged_gazetteer(), settings.allow_list)
    recognizers: list[EntityRecognizer] = [*patterns, *names]
    analyzer = AnalyzerEngine(
        registry=RecognizerRegistry(recognizers, supported_languages=["en"]),
        nlp_engine=load_ner_engine(settings.spacy_model),
        supported_languages=["en"],
        default_score_threshold=settings.score_threshold,
    )
    return PresidioDetector(analyzer, settings.entities, settings.score_threshold)
