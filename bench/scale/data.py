"""The synthetic corpus: tenants of clustered 384-d unit vectors with sentences from a small vocabulary (seeded).

Each tenant has a few topic centroids (random unit vectors). A chunk is its topic's centroid plus isotropic
noise of norm ``NOISE``, normalised; a query is drawn the same way, so its true neighbours are the chunks of
one topic and telling them apart is a real nearest-neighbour problem. A chunk's text mixes its topic's words
with general words, and a query's text names a few topic words, so full-text search has something to match.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import numpy as np

from agents.ingestion.chunking import ChunkDraft
from agents.ingestion.loaders import LoadedDocument

SEED = 20261128
DIM = 384
TENANTS = 50
TOPICS = 4  # centroids per tenant
NOISE = 0.75  # norm of the noise added to a centroid: cosine to it ~0.8, between same-topic chunks ~0.64
DOC_CHUNKS = 200  # chunks per document, i.e. per write transaction
DOCS_PER_TENANT = 10  # 50 tenants x 10 documents x 200 chunks = 100k chunks
QUERIES = 200
CHUNK_WORDS = 100
TOPIC_SHARE = 0.3  # share of a chunk's words drawn from its topic's words
TOPIC_WORDS = 12
GENERAL_WORDS = 400
COLLECTION = "scale"
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


@dataclass(frozen=True)
class Doc:
    """One synthetic document ready for ``replace_document``."""

    tenant: str
    doc: LoadedDocument
    drafts: list[ChunkDraft]
    vectors: np.ndarray


def _words(rng: np.random.Generator, n: int) -> np.ndarray:
    seen: dict[str, None] = {}
    while len(seen) < n:
        seen["".join(rng.choice(_SYLLABLES, 3))] = None
    return np.array(list(seen))


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def tenant_name(t: int) -> str:
    """The name of tenant number ``t``."""
    return f"tenant{t:02d}"


class Corpus:
    """Vectors for every chunk and query, and the text of any document, all derived from ``SEED``."""

    def __init__(self) -> None:
        rng = np.random.default_rng(SEED)
        vocabulary = _words(rng, GENERAL_WORDS + TENANTS * TOPICS * TOPIC_WORDS)
        self.general = vocabulary[:GENERAL_WORDS]
        self.topic_words = vocabulary[GENERAL_WORDS:].reshape(TENANTS, TOPICS, TOPIC_WORDS)
        self.centroids = _unit(rng.standard_normal((TENANTS, TOPICS, DIM), dtype=np.float32))
        self.topics = rng.integers(TOPICS, size=(TENANTS, DOCS_PER_TENANT, DOC_CHUNKS))
        self._rng = rng

    @cached_property
    def vectors(self) -> np.ndarray:
        """``(TENANTS, DOCS_PER_TENANT, DOC_CHUNKS, DIM)`` unit vectors."""
        t = np.arange(TENANTS)[:, None, None]
        noise = self._rng.standard_normal((*self.topics.shape, DIM), dtype=np.float32)
        return _unit(self.centroids[t, self.topics] + NOISE * noise / np.sqrt(DIM))

    @cached_property
    def queries(self) -> tuple[list[str], np.ndarray, list[str]]:
        """``QUERIES`` (tenant, vector, text) triples, tenants in turn, each near one of its topic centroids."""
        rng = np.random.default_rng([SEED, 1])
        tenants = np.arange(QUERIES) % TENANTS
        topics = rng.integers(TOPICS, size=QUERIES)
        noise = rng.standard_normal((QUERIES, DIM), dtype=np.float32)
        vectors = _unit(self.centroids[tenants, topics] + NOISE * noise / np.sqrt(DIM))
        texts = [
            " ".join([*rng.choice(self.topic_words[t, k], 3, replace=False), *rng.choice(self.general, 2)])
            for t, k in zip(tenants, topics, strict=True)
        ]
        return [tenant_name(t) for t in tenants], vectors, texts

    def _texts(self, t: int, d: int) -> list[str]:
        rng = np.random.default_rng([SEED, 2, t, d])
        shape = (DOC_CHUNKS, CHUNK_WORDS)
        own = self.topic_words[t, self.topics[t, d]]  # (DOC_CHUNKS, TOPIC_WORDS): each chunk's topic words
        topical = np.take_along_axis(own, rng.integers(TOPIC_WORDS, size=shape), axis=1)
        words = np.where(rng.random(shape) < TOPIC_SHARE, topical, rng.choice(self.general, shape)).astype("U16")
        words[:, 11::12] = np.char.add(words[:, 11::12], ".")
        return [" ".join(row) + "." for row in words]

    def document(self, t: int, d: int) -> Doc:
        """Document ``d`` of tenant ``t``: ``DOC_CHUNKS`` drafts and their vectors."""
        texts = self._texts(t, d)
        source = f"synthetic/{tenant_name(t)}/doc{d:02d}.md"
        drafts = [
            ChunkDraft(i, f"Topic {self.topics[t, d, i]}", text, CHUNK_WORDS, hashlib.sha1(text.encode()).hexdigest())
            for i, text in enumerate(texts)
        ]
        doc = LoadedDocument(
            source=source,
            title=f"Synthetic document {d} of {tenant_name(t)}",
            sections=[],
            content_hash=hashlib.sha1(source.encode()).hexdigest(),
            size_bytes=sum(len(x) for x in texts),
            mtime=datetime.now(UTC),
        )
        return Doc(tenant_name(t), doc, drafts, self.vectors[t, d])
