"""How much a string reads like English: character trigram frequencies from the injection model's vocabulary."""

from __future__ import annotations

import functools
import re

from governance.moderation.ngram_model import NgramLogisticModel

_LETTERS = re.compile(r"[a-z]+")


class EnglishScore:
    """Mean commonness of the letter trigrams of a text (0: none known, about 6: fluent English).

    Commonness is ``max(idf) - idf`` of each trigram in the bundled injection model, whose vocabulary was
    fitted on S-Labs, package READMEs and Steward's workplace text: no extra data, and nothing from the
    attack sets. Only ``a``-``z`` count; words are joined by single spaces so word edges count too.
    """

    def __init__(self, model: NgramLogisticModel) -> None:
        top = float(model.idf.max())
        self._words = frozenset(term[1:] for term in model.vocabulary if term.startswith("\t") and term[1:].isalpha())
        self._cached = functools.lru_cache(maxsize=512)(self._score)
        self._weights = {
            term: top - float(model.idf[index])
            for term, index in model.vocabulary.items()
            if len(term) == 3 and not term.startswith("\t") and term.strip(" ").isalpha()
        }

    def __call__(self, text: str) -> float:
        """The score of ``text``; 0.0 when it has no letters (the last few hundred texts are cached)."""
        return self._cached(text)

    def _score(self, text: str) -> float:
        words = _LETTERS.findall(text.lower())
        if not words:
            return 0.0
        padded = " " + " ".join(words) + " "
        grams = [padded[i : i + 3] for i in range(len(padded) - 2)]
        return sum(self._weights.get(gram, 0.0) for gram in grams) / len(grams)

    def gain(self, original: str, decoded: str) -> float:
        """How much more English ``decoded`` reads than ``original``."""
        return self(decoded) - self(original)

    def is_word(self, word: str) -> bool:
        """Whether ``word`` (any case) is in the model's word vocabulary."""
        return word.lower() in self._words
