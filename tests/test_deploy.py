"""Deploy artefacts: the Helm chart rendered by Helm's own engine, and the systemd units.

The chart is rendered with helm-python-sdk (Helm v4's Go SDK behind ctypes: the same template engine
and values.schema.json validation as `helm template`, offline), then every manifest is parsed with
duplicate keys refused and validated against the Kubernetes OpenAPI schemas of kubernetes-validate.
"""

from __future__ import annotations

import base64
import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import helm_python as helm
import jsonschema
import kubernetes_validate
import pytest
import typer
import yaml

from bot.container import Steward
from bot.settings import catalog
from tests.conftest import REPO

CHART = REPO / "deploy" / "helm" / "steward"
SYSTEMD = REPO / "deploy" / "systemd"
KUBE_VERSION = "1.33.0"
DB_URL = "postgresql://steward:pw@db.internal:5432/steward"
BASE: dict[str, Any] = {"secrets": {"databaseUrl": DB_URL}}
EVERYTHING: dict[str, Any] = {
    "secrets": {
        "databaseUrl": DB_URL,
        "openaiApiKey": "sk-test",
        "slackBotToken": "xoxb-1",
        "slackSigningSecret": "s",
        "discordBotToken": "d",
        "extra": {"STEWARD_PII_VAULT_KEY": "k"},
    },
    "config": {"STEWARD_LLM_THREADS": 2, "STEWARD_MODEL_ROUTE": "hosted-first"},
    "ingress": {"enabled": True, "className": "nginx", "tls": [{"hosts": ["s.example"], "secretName": "tls"}]},
    "autoscaling": {"enabled": True},
    "serviceMonitor": {"enabled": True},
    "persistence": {"enabled": True},
    "vllm": {"enabled": True, "modelVolume": {"existingClaim": "hf-cache"}},
}
CRD_KINDS = {"ServiceMonitor"}  # not in the Kubernetes schemas; checked by hand below
NOT_SETTINGS = {"HOME"}  # set on purpose: the root filesystem is read-only


class _StrictLoader(yaml.SafeLoader):
    """Refuses duplicate keys, which the API server would reject (and PyYAML silently collapses)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
    duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
    if duplicates:
        raise yaml.constructor.ConstructorError(None, None, f"duplicate keys {duplicates}", node.start_mark)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def render(values: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every object the chart renders (NOTES.txt aside), as `helm template prod -n ai` would."""
    with helm.Chart.load(CHART) as chart:
        manifests = chart.render(values, name="prod", namespace="ai")
    objects = []
    for path, text in manifests.items():
        if path.endswith(".yaml"):
            objects += [doc for doc in yaml.load_all(text, Loader=_StrictLoader) if doc]
    return objects


def one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def container(workload: dict[str, Any]) -> dict[str, Any]:
    (c,) = workload["spec"]["template"]["spec"]["containers"]
    return c


def test_chart_lints_clean() -> None:
    report = helm.lint(CHART, BASE, strict=True)
    assert report["errors"] == [] and report["total_charts_linted"] == 1
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("values", [BASE, EVERYTHING], ids=["defaults", "everything-enabled"])
def test_every_manifest_is_valid_kubernetes(values: dict[str, Any]) -> None:
    objects = render(values)
    for obj in objects:
        if obj["kind"] not in CRD_KINDS:
            kubernetes_validate.validate(obj, KUBE_VERSION, strict=True)
    kinds = sorted(o["kind"] for o in objects)
    required = [
        "ConfigMap",
        "Deployment",
        "Job",
        "PodDisruptionBudget",
        "Secret",
        "Secret",
        "Service",
        "ServiceAccount",
    ]
    if values is BASE:
        assert kinds == required
    else:
        optional = ["Deployment", "HorizontalPodAutoscaler", "Ingress", "PersistentVolumeClaim", "Service"]
        assert kinds == sorted(required + optional + ["ServiceMonitor"])


def test_invalid_values_are_refused_by_the_schema() -> None:
    schema = yaml.safe_load((CHART / "values.schema.json").read_text())
    jsonschema.validate(yaml.safe_load((CHART / "values.yaml").read_text()), schema)
    for bad, why in [
        ({"replicas": 3}, "additional properties 'replicas'"),
        ({"config": {"steward_llm_threads": 2}}, "does not match pattern"),
        ({"config": {"STEWARD_DATA_DIR": "/elsewhere"}}, "invalid propertyName 'STEWARD_DATA_DIR'"),
        ({"secrets": {"databaseUrl": "mysql://x"}}, "does not match pattern"),
    ]:
        with pytest.raises(helm.HelmValuesError, match=re.escape(why)):
            render({**BASE, **bad})


def test_database_url_is_required_or_comes_from_an_existing_secret() -> None:
    with pytest.raises(helm.HelmRenderError, match=r"secrets\.databaseUrl is required"):
        render({})
    objects = render({"secrets": {"existingSecret": "steward-env"}, "keys": {"existingSecret": "steward-keys"}})
    assert not [o for o in objects if o["kind"] == "Secret"]
    for workload in (one(objects, "Deployment", "prod-steward"), one(objects, "Job", "prod-steward-migrate")):
        c = container(workload)
        assert {"secretRef": {"name": "steward-env"}} in c["envFrom"]
        assert c["env"][0]["valueFrom"]["secretKeyRef"] == {"name": "steward-keys", "key": "audit.key"}


def test_replicas_serve_with_probes_on_healthz_and_readyz() -> None:
    objects = render(BASE)
    deployment = one(objects, "Deployment", "prod-steward")
    c = container(deployment)
    assert (c["command"], c["args"]) == (["steward"], ["serve"])
    assert deployment["spec"]["replicas"] == 2
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    config = one(objects, "ConfigMap", "prod-steward-config")["data"]
    assert c["ports"] == [{"name": "http", "containerPort": int(config["STEWARD_HTTP_PORT"]), "protocol": "TCP"}]
    assert config["STEWARD_HTTP_HOST"] == "0.0.0.0"  # reachable from the Service, not only loopback
    assert config.get("STEWARD_SCHEDULE_ENABLED", "true") != "false"  # every replica may lead the scheduler
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    for selector in (
        one(objects, "Service", "prod-steward")["spec"]["selector"],
        one(objects, "PodDisruptionBudget", "prod-steward")["spec"]["selector"]["matchLabels"],
        deployment["spec"]["selector"]["matchLabels"],
    ):
        assert selector.items() <= pod_labels.items()
    assert one(objects, "Service", "prod-steward")["spec"]["ports"][0]["targetPort"] == "http"
    assert not [o for o in objects if o["kind"] == "StatefulSet"]


def _env_names(objects: list[dict[str, Any]]) -> set[str]:
    names = set(one(objects, "ConfigMap", "prod-steward-config")["data"])
    names |= {k for o in objects if o["kind"] == "Secret" and "stringData" in o for k in o["stringData"]}
    for kind, name in (("Deployment", "prod-steward"), ("Job", "prod-steward-migrate")):
        names |= {e["name"] for e in container(one(objects, kind, name))["env"]}
    return names


def test_every_environment_variable_is_a_real_setting() -> None:
    names = _env_names(render(EVERYTHING))
    assert {"DATABASE_URL", "STEWARD_AUDIT_KEY", "OPENAI_BASE_URL", "STEWARD_LLM_THREADS"} <= names
    unknown = names - {doc.env for doc in catalog()} - NOT_SETTINGS
    assert not unknown, f"the chart sets environment variables Steward does not read: {sorted(unknown)}"


def test_data_dir_volume_and_shared_keys() -> None:
    objects = render({**BASE, "keys": {"auditKey": "audit-secret", "piiKey": "pii-secret", "sessionKey": "cookie"}})
    deployment = one(objects, "Deployment", "prod-steward")
    data_dir = one(objects, "ConfigMap", "prod-steward-config")["data"]["STEWARD_DATA_DIR"]
    mounts = {m["name"]: m for m in container(deployment)["volumeMounts"]}
    assert mounts["data"]["mountPath"] == data_dir
    assert mounts["keys"] == {"name": "keys", "mountPath": f"{data_dir}/keys", "readOnly": True}
    assert mounts["tmp"]["mountPath"] == "/tmp"
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert "emptyDir" in volumes["data"] and "emptyDir" in volumes["tmp"]
    assert volumes["keys"]["secret"]["secretName"] == "prod-steward-keys"
    keys = one(objects, "Secret", "prod-steward-keys")
    assert keys["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    decoded = {k: base64.b64decode(v).decode() for k, v in keys["data"].items()}
    assert decoded == {"audit.key": "audit-secret", "pii.key": "pii-secret", "session.key": "cookie"}
    generated = one(render(BASE), "Secret", "prod-steward-keys")["data"]
    assert all(len(base64.b64decode(v)) == 64 for v in generated.values())


def test_the_keys_secret_holds_every_key_steward_keeps_in_its_data_dir(steward: Steward) -> None:
    """The Secret is mounted read-only over <data dir>/keys: a key file it lacks could not be created there."""
    created = {p.name for p in (steward.settings.core.data_dir / "keys").iterdir()}
    assert {"audit.key", "pii.key"} <= created
    assert created <= set(one(render(BASE), "Secret", "prod-steward-keys")["data"])


def test_pods_run_unprivileged() -> None:
    objects = render(EVERYTHING)
    for kind, name in (("Deployment", "prod-steward"), ("Job", "prod-steward-migrate")):
        pod = one(objects, kind, name)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
        assert pod["automountServiceAccountToken"] is False
        sc = container(one(objects, kind, name))["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True
        assert sc["capabilities"]["drop"] == ["ALL"]


def test_migration_job_is_a_hook_that_runs_steward_migrate() -> None:
    objects = render(EVERYTHING)
    job = one(objects, "Job", "prod-steward-migrate")
    hooks = job["metadata"]["annotations"]["helm.sh/hook"].split(",")
    assert set(hooks) == {"post-install", "pre-upgrade"}
    c = container(job)
    assert (c["command"], c["args"]) == (["steward"], ["migrate"])
    assert c["envFrom"] == container(one(objects, "Deployment", "prod-steward"))["envFrom"]
    volumes = {v["name"]: v for v in job["spec"]["template"]["spec"]["volumes"]}
    assert "emptyDir" in volumes["data"]  # never competes for the replicas' claim
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_autoscaling_and_persistence() -> None:
    objects = render(EVERYTHING)
    deployment = one(objects, "Deployment", "prod-steward")
    assert "replicas" not in deployment["spec"]  # the HPA owns the count
    hpa = one(objects, "HorizontalPodAutoscaler", "prod-steward")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "prod-steward"}
    claim = one(objects, "PersistentVolumeClaim", "prod-steward-data")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]  # adapters must be visible to every replica
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"] == {"claimName": "prod-steward-data"}


def test_vllm_becomes_the_hosted_model() -> None:
    objects = render(EVERYTHING)
    config = one(objects, "ConfigMap", "prod-steward-config")["data"]
    service = one(objects, "Service", "prod-steward-vllm")
    port = service["spec"]["ports"][0]["port"]
    assert config["OPENAI_BASE_URL"] == f"http://prod-steward-vllm:{port}/v1"
    vllm = one(objects, "Deployment", "prod-steward-vllm")
    args = container(vllm)["args"]
    assert args[args.index("--served-model-name") + 1] == config["STEWARD_HOSTED_MODEL"]
    assert args[args.index("--port") + 1] == str(port)
    vllm_labels = vllm["spec"]["template"]["metadata"]["labels"]
    steward_labels = one(objects, "Deployment", "prod-steward")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= vllm_labels.items()
    assert not service["spec"]["selector"].items() <= steward_labels.items()
    assert not one(objects, "Service", "prod-steward")["spec"]["selector"].items() <= vllm_labels.items()
    key = container(vllm)["env"][0]
    assert key["valueFrom"]["secretKeyRef"] == {"name": "prod-steward-env", "key": "OPENAI_API_KEY", "optional": True}
    assert "OPENAI_BASE_URL" not in one(render(BASE), "ConfigMap", "prod-steward-config")["data"]


def test_service_monitor_scrapes_metrics_of_the_steward_service() -> None:
    objects = render(EVERYTHING)
    monitor = one(objects, "ServiceMonitor", "prod-steward")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert monitor["spec"]["endpoints"][0]["port"] == "http"
    services = [o for o in objects if o["kind"] == "Service"]
    selected = [
        s for s in services if monitor["spec"]["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()
    ]
    assert [s["metadata"]["name"] for s in selected] == ["prod-steward"]


def _value_paths() -> set[str]:
    paths = set()
    for template in (CHART / "templates").iterdir():
        paths |= set(re.findall(r"\.Values\.([A-Za-z0-9_.]+)", template.read_text()))
    return paths


def test_every_values_path_in_the_templates_exists_in_values_yaml() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    missing = []
    for path in sorted(_value_paths()):
        node: Any = values
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                missing.append(path)
                break
            node = node[part]
    assert len(_value_paths()) > 40
    assert not missing, f"templates read values that values.yaml does not define: {missing}"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((SYSTEMD / name).read_text())
    return parser


def _env_file() -> dict[str, str]:
    lines = (SYSTEMD / "steward.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_systemd_unit_runs_steward_serve_hardened() -> None:
    service = _unit("steward.service")["Service"]
    assert service["Type"] == "simple" and service["User"] == "steward"
    program, *args = service["ExecStart"].split()
    assert Path(program).name == "steward" and args == ["serve"]
    assert service["EnvironmentFile"] == "/etc/steward/steward.env"
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) >= 60
    assert service["Restart"] == "on-failure"
    hardening = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes"}
    assert {k: service[k] for k in hardening} == hardening
    assert _env_file()["STEWARD_DATA_DIR"] in service["ReadWritePaths"].split()
    migrate = _unit("steward-migrate.service")["Service"]
    program, *args = migrate["ExecStart"].split()
    assert migrate["Type"] == "oneshot" and Path(program).name == "steward" and args == ["migrate"]


def test_systemd_env_file_names_real_settings() -> None:
    text = (SYSTEMD / "steward.env").read_text()
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    assert {"STEWARD_DATA_DIR", "DATABASE_URL", "STEWARD_HTTP_PORT"} <= names
    assert not names - {doc.env for doc in catalog()}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    """`systemd-analyze verify` checks syntax and that ExecStart exists: point it at this venv's steward."""
    steward = Path(sys.executable).with_name("steward")
    for unit in ("steward.service", "steward-migrate.service"):
        text = (SYSTEMD / unit).read_text().replace("/opt/steward/venv/bin/steward", str(steward))
        (tmp_path / unit).write_text(text)
    units = [str(tmp_path / u) for u in ("steward.service", "steward-migrate.service")]
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def _commands_in(text: str) -> list[list[str]]:
    """Each `steward ...` invocation in code spans and code blocks, as words (placeholders and all)."""
    spans = re.findall(r"`([^`\n]*\bsteward [a-z][^`\n]*)`", text)
    blocks = re.findall(r"```(?:sh|text)?\n(.*?)```", text, flags=re.DOTALL)
    lines = spans + [line for block in blocks for line in block.splitlines()]
    # `steward` as a program: at a line start, after a space, `(` or `/bin/`; not a namespace, user or release.
    program = r"(?<!-n )(?<!-u )(?<!install )(?:^|(?<=[\s(])|(?<=/bin/))steward ([a-z][^|;&)#`\n]*)"
    found = re.findall(program, "\n".join(lines), flags=re.MULTILINE)
    return [[word.strip("'\"") for word in invocation.split()] for invocation in found]


def _problems(root: Any, words: list[str]) -> list[str]:
    command, path = root, []
    for word in words:
        if word not in getattr(command, "commands", {}):
            break
        command, path = command.commands[word], [*path, word]
    if not path or hasattr(command, "commands"):
        return [f"steward {' '.join(words)}: not a command"]
    known = {opt for param in command.params for opt in param.opts}
    options = {w.split("=")[0] for w in words if w.startswith("--")}
    return [f"steward {' '.join(path)}: no option {o}" for o in sorted(options - known - {"--help"})]


def test_every_steward_command_in_the_operations_docs_exists() -> None:
    from bot.cli.main import app

    root = typer.main.get_command(app)
    docs = (REPO / "docs" / "operations.md").read_text() + (SYSTEMD / "README.md").read_text()
    invocations = _commands_in(docs)
    assert len(invocations) > 40
    problems = [p for words in invocations for p in _problems(root, words)]
    assert not problems, problems


def test_the_readme_links_the_operations_doc_and_its_sections_exist() -> None:
    assert "](docs/operations.md)" in (REPO / "README.md").read_text()
    headings = set(re.findall(r"^##+ (.+)$", (REPO / "docs" / "operations.md").read_text(), flags=re.MULTILINE))
    assert {"Deploying", "Scaling", "SLOs", "Runbooks", "Backup and restore"} <= headings
    runbooks = {"Database outage", "Model-server (hosted API) outage", "Hosted-API key leak", "Audit-verify failure"}
    assert runbooks <= headings
