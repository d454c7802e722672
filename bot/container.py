"""The composition root: the one place that constructs concrete classes and wires them together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

from langchain_core.language_models.chat_models import BaseChatModel

from agents.agent import AnswerAgent
from agents.answering import Responder
from agents.collections import Collections
from agents.embeddings import SentenceTransformerEmbeddings
from agents.ingestion.ingest import Ingestor
from agents.ingestion.reindex import Reindexer
from agents.models.adapters import AdapterRegistry
from agents.models.factory import make_chat_model, model_label
from agents.models.hosted import make_hosted_chat_model
from agents.models.peft_slot import AdapterSlot
from agents.retrieval.hybrid import HybridSearch
from agents.retrieval.rerank import make_reranker
from agents.retrieval.store import ChunkSearch
from bot.db import Database, open_database
from bot.db.migrate import upgrade
from bot.pipeline.pipeline import Pipeline
from bot.pipeline.steps.answer import AnswerStep
from bot.pipeline.steps.history import HistoryStep
from bot.pipeline.steps.record import RecordStep
from bot.pipeline.steps.residency import ResidencyStep
from bot.pipeline.steps.retrieve import RetrieveStep
from bot.pipeline.steps.scope import ScopeStep
from bot.settings import Settings, enforce_offline
from bot.store.recorder import ExchangeRecorder


class LazyModel:
    """Builds a chat model on first use (loading takes seconds to minutes), once, from any thread.

    A failed build is not cached, so a model that becomes available later is picked up.
    """

    def __init__(self, build: Callable[[], BaseChatModel]) -> None:
        self._build = build
        self._model: BaseChatModel | None = None
        self._lock = threading.Lock()

    def __call__(self) -> BaseChatModel:
        """The built model."""
        with self._lock:
            if self._model is None:
                self._model = self._build()
            return self._model


def _hosted_configured(settings: Settings) -> bool:
    return settings.hosted.base_url is not None or settings.hosted.api_key is not None


class Steward:
    """Everything a process needs, built from settings. Use as a context manager."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.embedder = SentenceTransformerEmbeddings(settings.embedding)
        r = settings.retrieval
        self.adapters = AdapterRegistry(
            database.engine.begin, settings.core.data_dir / "adapters", model_label(settings.llm)
        )
        slot = AdapterSlot(self.adapters.active)
        self.chat_model = LazyModel(lambda: make_chat_model(settings.llm, settings.core.data_dir, slot))
        self.hosted_model = (
            LazyModel(lambda: make_hosted_chat_model(settings.hosted)) if _hosted_configured(settings) else None
        )
        responder = Responder(
            local=self.chat_model,
            hosted=self.hosted_model,
            labels={"local": model_label(settings.llm), "hosted": f"hosted:{settings.hosted.model}"},
            agent=settings.agent,
            router=settings.router,
            max_prompt_tokens=settings.llm.max_prompt_tokens,
            pricing=settings.pricing,
        )
        self.agent = AnswerAgent(
            embedder=self.embedder,
            search=ChunkSearch(database.tenant_connection, r.ef_search),
            hybrid=HybridSearch(database.tenant_connection, r.ef_search, r.candidates, r.rrf_k, r.fts_weight),
            reranker=make_reranker(r.reranker, r.reranker_path),
            responder=responder,
            settings=settings.retrieval,
            agent_settings=settings.agent,
            model_label=model_label(settings.llm),
        )
        self.ingestor = Ingestor(database.tenant_connection, self.embedder, settings.ingest)
        self.reindexer = Reindexer(self.ingestor, database.tenant_connection, database.engine.begin)
        self.collections = Collections(database.tenant_connection, database.engine.begin)
        self.pipeline = Pipeline(
            [
                ScopeStep(self.collections),
                ResidencyStep(settings.residency.restricted_tenants, settings.residency.restricted_channels),
                HistoryStep(database, settings.agent.memory_tokens),
                RetrieveStep(self.agent),
                AnswerStep(self.agent),
                RecordStep(ExchangeRecorder(database)),
            ]
        )

    @classmethod
    def open(cls, settings: Settings, migrate: bool = True) -> Steward:
        """Connect (starting the embedded server if needed) and migrate to the latest schema."""
        enforce_offline()
        settings.core.data_dir.mkdir(parents=True, exist_ok=True)
        database = open_database(settings)
        try:
            if migrate:
                upgrade(database)
        except BaseException:
            database.close()
            raise
        return cls(settings, database)

    def close(self) -> None:
        """Release the pool and this process's hold on the embedded server."""
        self.database.close()

    def __enter__(self) -> Steward:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
