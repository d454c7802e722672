"""The composition root: the one place that constructs concrete classes and wires them together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import get_args

from langchain_core.language_models.chat_models import BaseChatModel
from prometheus_client import CollectorRegistry

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
from bot.access import ApiAccess
from bot.admin import OPERATOR_TENANT, Admin
from bot.commands import Commands
from bot.db import Database, open_database
from bot.db.migrate import upgrade
from bot.ingest_screen import ModerationChunkScreen
from bot.keys import secret_key
from bot.leader import LeaderElection, dedicated_connections
from bot.learning import Learning
from bot.logs import get_logger, install_log_scrubber
from bot.metrics import Metrics, PipelineMetrics
from bot.pipeline.output_check import OutputCheck
from bot.pipeline.pipeline import Pipeline
from bot.pipeline.screening import ChunkScreen
from bot.pipeline.steps.answer import AnswerStep
from bot.pipeline.steps.audit import AuditStep
from bot.pipeline.steps.base import Step
from bot.pipeline.steps.correct import CorrectionStep
from bot.pipeline.steps.history import HistoryStep
from bot.pipeline.steps.moderate import ModerateInputStep, ModerateOutputStep
from bot.pipeline.steps.output_pii import OutputPIIStep
from bot.pipeline.steps.policy import PolicyStep
from bot.pipeline.steps.ratelimit import RateLimitStep
from bot.pipeline.steps.record import RecordStep
from bot.pipeline.steps.redact import RedactStep
from bot.pipeline.steps.residency import ResidencyStep
from bot.pipeline.steps.restore import RestoreStep
from bot.pipeline.steps.retrieve import RetrieveStep
from bot.pipeline.steps.scope import ScopeStep
from bot.platform import ChatServices
from bot.quarantine import Quarantine
from bot.retrieval_eval import RetrievalEval, latest_eval
from bot.scheduler import Job, JobRunner, PersistentScheduler
from bot.settings import Settings, enforce_offline
from bot.store.api_keys import ApiKeyStore
from bot.store.corrections import CorrectionStore
from bot.store.feedback import FeedbackStore
from bot.store.ledger import EventLedger
from bot.store.pseudonyms import PseudonymStore
from bot.store.quarantine import QuarantineStore
from bot.store.recorder import ExchangeRecorder
from bot.store.retention import purge
from bot.store.threads import ThreadIndex
from bot.tuning import Tuning, gate_answerer
from governance.audit.log import AuditLog
from governance.moderation.factory import make_moderator
from governance.pii import RedactingProcessor, make_redactor
from governance.pii.vault import Vault
from governance.policy.config import Role
from governance.policy.ratelimit import RateLimiter
from governance.policy.rbac import Policy, Subject

log = get_logger(__name__)


class LazyModel:
    """Builds a chat model on first use (loading takes seconds to minutes), once, from any thread.

    A failed build is not cached, so a model that becomes available later is picked up.
    """

    def __init__(self, build: Callable[[], BaseChatModel]) -> None:
        self._build = build
        self._model: BaseChatModel | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        """Whether the model is loaded (without loading it)."""
        return self._model is not None

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
        self._governance(settings, database)
        self.adapters = AdapterRegistry(
            database.engine.begin, settings.core.data_dir / "adapters", model_label(settings.llm)
        )
        slot = AdapterSlot(self.adapters.pick)
        self.chat_model = LazyModel(lambda: make_chat_model(settings.llm, settings.core.data_dir, slot))
        self.hosted_model = (
            LazyModel(lambda: make_hosted_chat_model(settings.hosted)) if _hosted_configured(settings) else None
        )
        tokens = lambda t: len(self.embedder.tokenizer.encode(t, add_special_tokens=False))  # noqa: E731
        quarantined = QuarantineStore(database, self.embedder.embed_array, tokens)
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
            screen=ChunkScreen(self.moderator, self.audit, released=quarantined.released_in),
        )
        screen = ModerationChunkScreen(self.moderator)  # at ingest; the agent screens again at question time
        self.ingestor = Ingestor(database.tenant_connection, self.embedder, settings.ingest, screen)
        self.reindexer = Reindexer(self.ingestor, database.tenant_connection, database.engine.begin)
        self.collections = Collections(database.tenant_connection, database.engine.begin)
        self.admin = Admin(self.ingestor, self.reindexer, self.collections, self.adapters, self.policy, self.audit)
        self.quarantine = Quarantine(quarantined, self.policy, self.audit, lambda t: self.redactor.redact(t).text)
        self.metrics = Metrics(CollectorRegistry())
        self.metrics.track_latest_eval(lambda: latest_eval(database))
        self.job_runner = JobRunner(database, self.metrics)
        self.pipeline = Pipeline(self._steps(settings, database), PipelineMetrics(self.metrics))
        data = settings.core.data_dir
        feedback = FeedbackStore(database, self.audit, lambda t: self.redactor.redact(t).text)
        self.commands = Commands(
            self.pipeline,
            self.admin,
            self.collections,
            database,
            self.audit,
            self.audit_key,
            self.policy,
            data / "exports",
            feedback,
        )
        self.learning = Learning(
            database, self.embedder.embed_array, settings.feedback, data / "datasets", self.redactor.scrub
        )
        self.tuning = Tuning(
            database,
            self.learning,
            self.adapters,
            self.admin,
            (settings.tune, settings.gate, settings.llm),
            data,
            lambda: gate_answerer(settings.llm, settings.gate, data, self.adapters.base_model),
        )
        self.chat = ChatServices(
            pipeline=self.pipeline,
            commands=self.commands,
            feedback=feedback,
            ledger=EventLedger(database),
            threads=ThreadIndex(database),
            downloads=data / "downloads",
            max_upload_mb=settings.ingest.max_file_mb,
            default_collection=settings.core.default_collection,
        )

    def _governance(self, settings: Settings, database: Database) -> None:
        keys = settings.core.data_dir / "keys"
        self.audit_key = secret_key(settings.audit.key, keys / "audit.key")
        self.redactor = make_redactor(settings.pii)
        install_log_scrubber(RedactingProcessor(self.redactor))
        self.audit = AuditLog(database.tenant_connection, self.redactor.scrub)
        self.moderator = make_moderator(settings.moderation)
        self.policy = Policy(settings.policy)
        self.limiter = RateLimiter(database.tenant_connection, settings.ratelimit)
        vault = Vault(settings.pii.vault_key) if settings.pii.vault_enabled else None
        self.pseudonyms = PseudonymStore(database, secret_key(None, keys / "pii.key"), vault)
        self.api_keys = ApiKeyStore(database, self.audit, get_args(Role))
        self.access = ApiAccess(self.api_keys, self.policy, self.audit)
        self.session_key = secret_key(settings.http.session_key, keys / "session.key")

    def _steps(self, settings: Settings, database: Database) -> list[Step]:
        """The governed chain, in order.

        Who may ask, how often, what they said (redacted, moderated), what it may see, the answer
        (moderated, PII-checked), and the record and audit of it.
        """
        output = OutputCheck(self.moderator, self.redactor, settings.agent.min_groundedness)
        return [
            PolicyStep(self.policy, self.audit),
            RateLimitStep(self.limiter, self.audit),
            RedactStep(self.redactor, self.pseudonyms, self.audit),
            ModerateInputStep(self.moderator, self.audit),
            CorrectionStep(settings.feedback, self.policy, CorrectionStore(database), self.audit),
            ScopeStep(self.collections),
            ResidencyStep(settings.residency.restricted_tenants, settings.residency.restricted_channels),
            HistoryStep(database, settings.agent.memory_tokens),
            RetrieveStep(self.agent),
            AnswerStep(self.agent, output),  # streams only sentences that pass the output checks
            ModerateOutputStep(self.moderator, self.audit),
            OutputPIIStep(output, self.audit),
            RecordStep(ExchangeRecorder(database, self.pseudonyms)),
            AuditStep(self.audit),
            RestoreStep(self.redactor),
        ]

    def jobs(self) -> list[Job]:
        """The scheduled jobs this configuration asks for."""
        s = self.settings.schedule
        operator = Subject(OPERATOR_TENANT, "scheduler:steward", platform_admin=True)
        jobs = [
            Job("retention", lambda: purge(self.database, self.settings.retention), "cron", {"hour": s.retention_hour}),
            Job("ledger-prune", lambda: self.chat.ledger.prune(s.ledger_days), "cron", {"hour": s.retention_hour}),
        ]
        jobs.append(Job("preference-dataset", self.learning.snapshot, "cron", {"hour": s.dataset_hour}))
        tenant = self.settings.core.default_tenant
        evaluation = RetrievalEval(self.database, self.agent, self.metrics, tenant, s.eval_qa, s.eval_min_recall)
        jobs.append(Job("retrieval-eval", evaluation, "cron", {"hour": s.eval_hour}))
        if s.reindex_minutes:
            reindex = Job(
                "reindex", lambda: self.admin.reindex(operator, None), "interval", {"minutes": s.reindex_minutes}
            )
            jobs.append(reindex)
        return jobs

    def scheduler_election(self) -> LeaderElection:
        """The scheduler (jobs stored in PostgreSQL), run only while this process is the elected leader."""
        url = self.database.engine.url.render_as_string(hide_password=False)
        scheduler = PersistentScheduler(self.jobs(), self.job_runner, url)
        connect = dedicated_connections(self.database.engine)
        retry = self.settings.schedule.leader_retry_seconds
        return LeaderElection(connect, "scheduler", retry, scheduler.start, scheduler.stop, self.metrics)

    def ready(self) -> bool:
        """The database answers and a model can answer now (the local one loaded, or a hosted one set up)."""
        if not self.database.ping():
            return False
        if self.settings.router.route == "hosted-only":
            return self.hosted_model is not None
        return self.chat_model.built

    def warm_up(self) -> None:
        """Load the local model in the background (readiness waits for it), unless only hosted models answer."""
        if self.settings.router.route != "hosted-only":
            threading.Thread(target=self._warm, name="steward-warm-up", daemon=True).start()

    def _warm(self) -> None:
        try:
            self.chat_model()
        except Exception as exc:  # readiness stays false; the error is logged, the first question retries
            log.error("model.warm_up_failed", error=str(exc))

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
