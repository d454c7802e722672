"""``steward jobs list|run`` and the nightly retrieval-eval regression job, recorded and exposed as metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.container import Steward
from bot.metrics import Metrics
from bot.retrieval_eval import RetrievalEval, latest_eval
from bot.scheduler import Job, JobRunner
from bot.settings import Settings
from tests.conftest import cli_env, run_cli


def _rows(app: Steward, sql: str, **params: Any) -> list[Any]:
    with app.database.engine.begin() as conn:
        return list(conn.execute(text(sql), params).all())


def _gauges(metrics: Metrics) -> dict[str, float]:
    body = metrics.exposition()[0].decode()
    return {
        s.name + "".join(f"{{{k}={v}}}" for k, v in s.labels.items()): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
        if s.name.startswith("steward_retrieval_eval")
    }


def test_retrieval_eval_skips_a_tenant_without_documents(steward: Steward, tmp_path: Path) -> None:
    metrics = Metrics(CollectorRegistry())
    evaluation = RetrievalEval(steward.database, steward.agent, metrics, "empty-co", None, 0.9)
    run = JobRunner(steward.database, metrics)(Job("retrieval-eval", evaluation, "cron", {"hour": 4}))
    assert (run.outcome, run.detail) == ("skipped", {"reason": "tenant 'empty-co' has no documents"})
    row = _rows(steward, "select outcome, detail from job_runs where job = 'retrieval-eval' order by id desc limit 1")
    assert (row[0].outcome, row[0].detail) == ("skipped", run.detail)
    assert _rows(steward, "select * from retrieval_evals where tenant_id = 'empty-co'") == []


def test_a_recall_drop_is_recorded_as_a_regression_and_alerts(handbook: Steward, tmp_path: Path) -> None:
    # Questions whose expected sources are ingested but are not what they ask about: recall@5 drops.
    qa = tmp_path / "drifted.jsonl"
    wrong = [("when is the monthly all-hands call?", "parental-leave.md"), ("how many YubiKeys?", "learning-budget.md")]
    qa.write_text("".join(json.dumps({"question": q, "expected_source": s}) + "\n" for q, s in wrong))
    metrics = Metrics(CollectorRegistry())
    metrics.track_latest_eval(lambda: latest_eval(handbook.database))
    run = JobRunner(handbook.database, metrics)(
        Job("retrieval-eval", RetrievalEval(handbook.database, handbook.agent, metrics, "acme", qa, 0.9), "cron", {})
    )
    assert run.outcome == "ok" and run.detail["passed"] is False and run.detail["recall"]["5"] < 0.9
    assert _gauges(metrics)["steward_retrieval_eval_regression"] == 1


def test_steward_jobs_run_and_list(handbook: Steward, settings: Settings) -> None:
    env = cli_env(settings.core.data_dir)
    done = run_cli("jobs", "run", "retrieval-eval", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("retrieval-eval: ok ")
    evaluation = _rows(handbook, "select tenant_id, metrics, passed from retrieval_evals order by id desc limit 1")[0]
    assert (evaluation.tenant_id, evaluation.passed, evaluation.metrics["questions"]) == ("acme", True, 48)
    assert evaluation.metrics["recall"]["5"] >= 0.9
    last = _rows(handbook, "select outcome, detail from job_runs where job = 'retrieval-eval' order by id desc limit 1")
    assert (last[0].outcome, last[0].detail["passed"]) == ("ok", True)
    # every replica reports the stored eval, whichever process ran it (here: the CLI's)
    assert handbook.metrics.latest_eval is not None
    handbook.metrics.latest_eval.invalidate()
    gauges = _gauges(handbook.metrics)
    assert gauges["steward_retrieval_eval_regression"] == 0
    assert gauges["steward_retrieval_eval_recall{k=5}"] == evaluation.metrics["recall"]["5"]

    listed = run_cli("jobs", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()[1:]}
    assert list(lines) == ["retention", "ledger-prune", "preference-dataset", "retrieval-eval", "reindex"]
    assert "cron[hour='4']" in lines["retrieval-eval"] and " ok at " in lines["retrieval-eval"]
    assert "cron[hour='3']" in lines["retention"] and " UTC " in lines["retention"]  # trigger and next run

    unknown = run_cli("jobs", "run", "no-such-job", env=env)
    assert unknown.returncode == 2
    assert "no job named 'no-such-job'" in unknown.stderr and "retrieval-eval" in unknown.stderr
