"""Shared fixtures: one real embedded PostgreSQL + pgvector for the session, the real models, the samples."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.config import LLMSettings
from bot.container import Steward
from bot.settings import CoreSettings, Settings
from governance.policy.config import RateLimitSettings

REPO = Path(__file__).resolve().parents[1]
HANDBOOK = REPO / "bot" / "samples" / "handbook"
QA_FILE = REPO / "bot" / "samples" / "handbook_qa.jsonl"
UNANSWERABLE = REPO / "bot" / "samples" / "unanswerable.txt"
# The GGUF → dense conversion is cached across runs (it is deterministic); everything else is per session.
MODEL_CACHE = REPO / ".cache" / "models" / "SmolLM2-135M-Instruct.Q4_1"
STEWARD = Path(sys.executable).with_name("steward")


@pytest.fixture(scope="session")
def dense_model() -> Path:
    """The bundled GGUF converted to a dense HF directory (once per machine; later runs reuse it)."""
    from agents.models.convert import bundled_gguf, ensure_dense

    return ensure_dense(bundled_gguf(), MODEL_CACHE)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("steward-data")


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    return Settings(
        core=CoreSettings(data_dir=data_dir, default_tenant="acme", default_collection="handbook"),
        llm=LLMSettings(dense_dir=MODEL_CACHE),
        ratelimit=RateLimitSettings(enabled=False),  # tests ask fast; test_governance turns limits on
    )


@pytest.fixture(scope="session")
def steward(settings: Settings) -> Iterator[Steward]:
    app = Steward.open(settings)
    yield app
    app.close()


@pytest.fixture(scope="session")
def handbook(steward: Steward) -> Steward:
    report = steward.ingestor.ingest([HANDBOOK], "acme", "handbook")
    assert not report.failed, report.failed
    return steward


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``steward`` subprocess that shares the session's data dir (and so its server)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STEWARD_", "DATABASE_URL"))}
    env.update(
        STEWARD_DATA_DIR=str(data_dir),
        STEWARD_LLM_DENSE_DIR=str(MODEL_CACHE),
        STEWARD_DEFAULT_TENANT="acme",
        STEWARD_DEFAULT_COLLECTION="handbook",
        STEWARD_LOG_FORMAT="json",
        STEWARD_RATELIMIT_ENABLED="false",
    )
    env.update(extra)
    return env


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 300, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(STEWARD), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def corpus_or_skip() -> Path:
    """The fetched Debian Reference pages; skips without the Debian archive, but fails in CI (``CI`` set)."""
    from bench.corpora import fetch

    try:
        return fetch.fetch()
    except fetch.FetchError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the Debian Reference could not be fetched in CI: {exc}")
        pytest.skip(f"the Debian Reference could not be fetched: {exc}")
