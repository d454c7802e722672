"""The Grafana dashboard and the Prometheus alert rules query only metrics Steward really exposes.

Metric names come from the real registry (bot/metrics.py); every PromQL expression is parsed with
promql-parser and its selectors compared with those names. `promtool` (Debian's `prometheus` package)
also checks and unit-tests the rules when it is installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from typing import Any

import promql_parser
import pytest
import yaml
from prometheus_client import CollectorRegistry

from bot.metrics import REQUEST_BUCKETS, EvalSnapshot, Metrics
from tests.conftest import REPO

DASHBOARD = REPO / "deploy" / "grafana" / "steward.json"
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
# The contract issue 9 names; the dashboard must show every one of them.
CONTRACT = {
    "steward_requests_total",
    "steward_stage_seconds_bucket",
    "steward_request_seconds_bucket",
    "steward_ttft_seconds_bucket",
    "steward_model_route_total",
    "steward_fallback_total",
    "steward_moderation_flags_total",
    "steward_pii_entities_total",
    "steward_tokens_total",
    "steward_cost_usd_total",
    "steward_retrieval_score_bucket",
    "steward_inflight_requests",
    "steward_job_runs_total",
    "steward_job_last_success_timestamp_seconds",
    "steward_retrieval_eval_recall",
    "steward_retrieval_eval_regression",
    "steward_scheduler_leader",
}
# Series from Prometheus itself and kube-state-metrics, used by the availability alerts.
EXTERNAL = {"up", "kube_deployment_status_replicas_available", "kube_deployment_spec_replicas"}
SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
GRAFANA_VARS = {"$__rate_interval": "5m", "$platform": ".*", "$tenant": ".*"}


def exposed() -> set[str]:
    """Every series name a Steward process exposes, from the same registry /metrics serves."""
    metrics = Metrics(CollectorRegistry())
    metrics.track_latest_eval(lambda: EvalSnapshot(recall={"5": 1.0}, passed=True))
    names = set()
    for family in metrics.registry.collect():
        names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    return names


def selectors(expr: str) -> list[tuple[str, dict[str, str]]]:
    """(metric name, label matchers) of every selector in a PromQL expression; raises if it does not parse."""
    found: list[tuple[str, dict[str, str]]] = []

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append((node.name, {m.name: m.value for m in node.matchers.matchers}))

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            exprs.append(re.sub(r"label_values\((\w+), \w+\)", r"\1", variable["query"]["query"]))
    return exprs


def grafana_to_promql(expr: str) -> str:
    for variable, value in GRAFANA_VARS.items():
        expr = expr.replace(variable, value)
    return expr


def test_the_contract_matches_what_steward_exposes() -> None:
    assert not CONTRACT - exposed(), f"bot/metrics.py does not expose {sorted(CONTRACT - exposed())}"


def test_dashboard_queries_only_real_metrics_and_shows_them_all() -> None:
    used = set()
    for expr in dashboard_exprs():
        names = {name for name, _ in selectors(grafana_to_promql(expr))}
        assert names, expr
        used |= names
    assert not used - exposed(), f"the dashboard queries unknown series: {sorted(used - exposed())}"
    assert not CONTRACT - used, f"the dashboard does not show {sorted(CONTRACT - used)}"


def test_dashboard_uses_the_datasource_variable_and_sound_quantiles() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in panels:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"]), panel["title"]
    for expr in dashboard_exprs():
        if "histogram_quantile" in expr:
            assert re.search(r"sum by \(le\b", expr) and "_bucket{" in expr, expr
    stages = [p for p in panels if p["title"].startswith("Pipeline stage latency")]
    legends = {t["legendFormat"] for t in stages[0]["targets"]}
    assert legends == {"{{stage}} p50", "{{stage}} p95"}


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_alert_rules_parse_and_query_real_metrics() -> None:
    recorded = {r["record"] for r in rules() if "record" in r}
    known = exposed() | EXTERNAL | recorded
    for rule in rules():
        found = selectors(rule["expr"])
        assert found, rule
        unknown = {name for name, _ in found} - known
        assert not unknown, f"{rule.get('alert') or rule['record']} queries unknown series {sorted(unknown)}"
        for name, labels in found:
            if name == "steward_request_seconds_bucket":
                assert float(labels["le"]) in REQUEST_BUCKETS and labels["le"] == str(float(labels["le"]))


def test_the_alerts_operations_needs_exist_with_severity_and_summary() -> None:
    alerts = {r["alert"]: r for r in rules() if "alert" in r}
    assert {
        "StewardRetrievalEvalRegression",
        "StewardHighErrorRate",
        "StewardErrorBudgetBurn",
        "StewardLatencySLOBurn",
        "StewardNoSchedulerLeader",
        "StewardJobFailing",
        "StewardJobStale",
        "StewardTargetDown",
        "StewardReplicasNotReady",
    } <= set(alerts)
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"].strip(), name
    assert "steward_retrieval_eval_regression" in alerts["StewardRetrievalEvalRegression"]["expr"]
    assert "== 1" in alerts["StewardRetrievalEvalRegression"]["expr"]


def _promtool() -> str | None:
    unpacked = REPO / ".cache" / "tools" / "promtool"  # `make ci-tools` puts it here
    return shutil.which("promtool") or (str(unpacked) if unpacked.is_file() else None)


def test_promtool_checks_and_unit_tests_the_rules() -> None:
    promtool = _promtool()
    if promtool is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: CI must run `make ci-tools` first")
        pytest.skip("promtool is not installed: `make ci-tools` unpacks it from Debian's prometheus package")
    folder = ALERTS.parent
    check = subprocess.run([promtool, "check", "rules", "alerts.yml"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    test = subprocess.run([promtool, "test", "rules", "alerts.test.yml"], cwd=folder, capture_output=True, text=True)
    assert test.returncode == 0, test.stdout + test.stderr
