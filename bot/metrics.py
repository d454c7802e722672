"""Prometheus metrics: one registry per process, built by the composition root and passed to whoever records.

Nothing here touches prometheus_client's global default registry, so several ``Steward`` instances (tests
build many) never collide, and ``/metrics`` shows exactly this app's series. The metric names are a
contract: ``deploy/grafana/`` builds its dashboard from them, and docs/operations.md lists each one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from agents.answer import Answer
    from bot.pipeline.message import Reply
    from bot.pipeline.turn import Turn

# Seconds: a governance step takes milliseconds, a CPU answer seconds, a slow hosted call tens of seconds.
STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
REQUEST_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120)
SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
_FALLBACK = re.compile(r"\b(local|hosted) (failed|not grounded)\b")


@dataclass(frozen=True)
class EvalSnapshot:
    """The latest stored retrieval evaluation: recall per cut-off and whether it passed the gate."""

    recall: dict[str, float]
    passed: bool


class LatestEvalCollector(Collector):
    """``steward_retrieval_eval_recall{k}`` and ``steward_retrieval_eval_regression`` from the stored record.

    Read from the database at scrape time (cached for ``ttl_s``), so every replica reports the last nightly
    eval, whichever process ran it; nothing is reported while no eval has been stored or the database is down.
    """

    def __init__(self, fetch: Callable[[], EvalSnapshot | None], ttl_s: float = 30.0) -> None:
        self._fetch = fetch
        self._ttl_s = ttl_s
        self._cached: tuple[float, EvalSnapshot | None] | None = None

    def invalidate(self) -> None:
        """Read the database again on the next scrape (after an eval was stored)."""
        self._cached = None

    def _snapshot(self) -> EvalSnapshot | None:
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > self._ttl_s:
            try:
                self._cached = (now, self._fetch())
            except Exception:  # noqa: BLE001 - a scrape must not fail because the database is away
                return None
        return self._cached[1]

    def collect(self) -> Iterator[Metric]:
        """The two gauges, when an eval has been stored."""
        snapshot = self._snapshot()
        if snapshot is None:
            return
        recall = GaugeMetricFamily(
            "steward_retrieval_eval_recall", "Recall@k of the last nightly retrieval eval.", labels=["k"]
        )
        for k, value in snapshot.recall.items():
            recall.add_metric([k], value)
        yield recall
        yield GaugeMetricFamily(
            "steward_retrieval_eval_regression",
            "1 when the last nightly retrieval eval fell below the gate, else 0.",
            value=0.0 if snapshot.passed else 1.0,
        )


class Metrics:
    """Every Steward metric, registered in ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        r = registry
        self.requests = Counter("steward_requests", "Messages handled.", ["platform", "status"], registry=r)
        self.stage_seconds = Histogram(
            "steward_stage_seconds", "Time per pipeline step.", ["stage"], buckets=STAGE_BUCKETS, registry=r
        )
        self.request_seconds = Histogram(
            "steward_request_seconds", "Whole pipeline.", ["platform"], buckets=REQUEST_BUCKETS, registry=r
        )
        self.ttft_seconds = Histogram(
            "steward_ttft_seconds", "Time to first streamed token.", ["route"], buckets=REQUEST_BUCKETS, registry=r
        )
        self.model_route = Counter("steward_model_route", "Answers by who produced them.", ["route"], registry=r)
        self.fallback = Counter("steward_fallback", "Fallbacks on the way to an answer.", ["reason"], registry=r)
        self.moderation_flags = Counter(
            "steward_moderation_flags", "Texts moderation flagged.", ["direction", "category"], registry=r
        )
        self.pii_entities = Counter("steward_pii_entities", "PII entities redacted.", ["entity_type"], registry=r)
        self.tokens = Counter("steward_tokens", "Model tokens.", ["tenant", "direction"], registry=r)
        self.cost_usd = Counter("steward_cost_usd", "Estimated model cost (USD).", ["tenant"], registry=r)
        self.retrieval_score = Histogram(
            "steward_retrieval_score", "Best retrieval similarity per question.", buckets=SCORE_BUCKETS, registry=r
        )
        self.inflight = Gauge("steward_inflight_requests", "Messages being answered now.", registry=r)
        self.job_runs = Counter("steward_job_runs", "Scheduled job runs.", ["job", "outcome"], registry=r)
        self.job_last_success = Gauge(
            "steward_job_last_success_timestamp_seconds", "When a job last succeeded (Unix time).", ["job"], registry=r
        )
        self.leader = Gauge("steward_scheduler_leader", "1 while this process runs the scheduler.", registry=r)
        self.latest_eval: LatestEvalCollector | None = None

    def track_latest_eval(self, fetch: Callable[[], EvalSnapshot | None]) -> None:
        """Report the stored nightly retrieval eval (``steward_retrieval_eval_*``) at every scrape."""
        self.latest_eval = LatestEvalCollector(fetch)
        self.registry.register(self.latest_eval)

    def job_finished(self, job: str, outcome: str) -> None:
        """Count a job run; an ``ok`` run also sets the job's last-success time."""
        self.job_runs.labels(job=job, outcome=outcome).inc()
        if outcome == "ok":
            self.job_last_success.labels(job=job).set(time.time())

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition format and its content type (for ``GET /metrics``)."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def route_of(model: str, abstained: bool) -> str:
    """``local``, ``hosted`` or ``none`` (abstained, declined, refused): who produced the answer."""
    if abstained or model == "none":
        return "none"
    return "hosted" if model.startswith("hosted:") else "local"


def fallbacks(route_reason: str, mode: str) -> list[str]:
    """Why an answer did not come straight from its first model: ``local_failed``, ``hosted_not_grounded``...

    ``extractive``: no model answer was grounded, so the relevant sentences were quoted instead.
    """
    reasons = [f"{target}_{what.replace(' ', '_')}" for target, what in _FALLBACK.findall(route_reason)]
    return reasons + (["extractive"] if mode == "extractive" else [])


class PipelineMetrics:
    """The pipeline's observer: step timings, and the outcome of each finished turn."""

    def __init__(self, metrics: Metrics) -> None:
        self._m = metrics

    def started(self) -> None:
        """A message entered the pipeline."""
        self._m.inflight.inc()

    def step(self, name: str, seconds: float) -> None:
        """One step ran for ``seconds``."""
        self._m.stage_seconds.labels(stage=name).observe(seconds)

    def finished(self, turn: Turn, reply: Reply | None, seconds: float) -> None:
        """The message left the pipeline with ``reply`` (``None``: it raised)."""
        m, platform = self._m, turn.message.platform
        m.inflight.dec()
        m.requests.labels(platform=platform, status=reply.status if reply else "error").inc()
        m.request_seconds.labels(platform=platform).observe(seconds)
        for kind in turn.pii_entities:
            m.pii_entities.labels(entity_type=kind).inc()
        for direction, category in turn.flags:
            m.moderation_flags.labels(direction=direction, category=category).inc()
        if turn.retrieval is not None and turn.retrieval.documents:
            m.retrieval_score.observe(turn.retrieval.best_score)
        if turn.answer is not None:
            self._answered(turn, turn.answer)

    def _answered(self, turn: Turn, answer: Answer) -> None:
        m, tenant = self._m, turn.message.tenant
        route = route_of(answer.model, answer.abstained or answer.mode == "declined")
        m.model_route.labels(route=route).inc()
        if "ttft" in turn.timings_ms:
            m.ttft_seconds.labels(route=route).observe(turn.timings_ms["ttft"] / 1000)
        for reason in fallbacks(answer.route_reason, answer.mode):
            m.fallback.labels(reason=reason).inc()
        m.tokens.labels(tenant=tenant, direction="input").inc(answer.usage.get("input_tokens", 0))
        m.tokens.labels(tenant=tenant, direction="output").inc(answer.usage.get("output_tokens", 0))
        m.cost_usd.labels(tenant=tenant).inc(answer.cost_usd)
