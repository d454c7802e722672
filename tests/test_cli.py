"""The ``steward`` command as a user runs it: errors, JSON contract, a shared embedded server, clean exits."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from bot.db.embedded import EmbeddedPostgres
from bot.db.migrate import head_revision
from bot.settings import Settings
from tests.conftest import STEWARD, cli_env, run_cli


def _postgres_for(pgdata: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(attrs=("name", "cmdline")):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(cmdline):
            found.append(proc)
    return found


def test_ingest_missing_path_is_a_one_line_error(settings: Settings) -> None:
    result = run_cli("ingest", "/definitely/not/here", env=cli_env(settings.core.data_dir))
    assert result.returncode == 1
    assert result.stderr.strip() == "steward: error: no such file or directory: /definitely/not/here"


def test_ask_empty_question_is_a_clear_error(settings: Settings) -> None:
    result = run_cli("ask", "  ", env=cli_env(settings.core.data_dir))
    assert result.returncode == 2
    assert "the question is empty" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    env = cli_env(
        tmp_path,
        DATABASE_URL="postgresql://app:hunter2@db.internal:5432/steward",
        STEWARD_LLM_MAX_TOKENS="77",
    )
    result = run_cli("config", "show", env=env)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert lines["DATABASE_URL"] == "postgresql://app:***@db.internal:5432/steward"
    assert lines["STEWARD_LLM_MAX_TOKENS"] == "77"
    assert lines["STEWARD_DATA_DIR"] == str(tmp_path)
    assert "hunter2" not in result.stdout + result.stderr


def test_invalid_setting_is_reported_not_crashed(tmp_path: Path) -> None:
    result = run_cli("config", "show", env=cli_env(tmp_path, STEWARD_LLM_MAX_TOKENS="lots"))
    assert result.returncode == 2
    assert "STEWARD_LLM_MAX_TOKENS" in result.stderr or "max_tokens" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_ask_json_prints_exactly_the_contract(handbook, settings: Settings) -> None:
    result = run_cli(
        "ask",
        "--json",
        "how many days of paid leave do new hires get each year?",
        env=cli_env(settings.core.data_dir),
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"answer", "citations", "model", "latency_ms"}
    assert isinstance(payload["answer"], str) and payload["answer"]
    assert payload["model"] == "local:SmolLM2-135M-Instruct"
    assert set(payload["latency_ms"]) == {"retrieve", "generate", "total"}
    assert all(isinstance(v, float) for v in payload["latency_ms"].values())
    assert payload["citations"], payload
    for citation in payload["citations"]:
        assert set(citation) == {"n", "source", "title", "chunk_id", "score"}
        assert isinstance(citation["n"], int) and isinstance(citation["score"], float)
    assert Path(payload["citations"][0]["source"]).name == "paid-time-off.md"


def test_second_process_reuses_the_running_server_and_leaves_it_up(tmp_path: Path) -> None:
    holder = EmbeddedPostgres(tmp_path)
    holder.start()
    try:
        [postmaster] = _postgres_for(holder.pgdata)
        pid_before = (holder.pgdata / "postmaster.pid").read_text().split()[0]
        result = run_cli("migrate", env=cli_env(tmp_path))
        assert result.returncode == 0, result.stderr
        assert f"revision {head_revision()} (latest)" in result.stdout
        assert (holder.pgdata / "postmaster.pid").read_text().split()[0] == pid_before
        assert postmaster.is_running()  # the CLI exited, but we still hold the server
        again = run_cli("migrate", env=cli_env(tmp_path))
        assert again.returncode == 0, again.stderr
    finally:
        holder.stop()
    _wait_gone(holder.pgdata)


def _wait_gone(pgdata: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while _postgres_for(pgdata) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _postgres_for(pgdata), "postgres was left running"


def test_exit_leaves_no_orphaned_postgres(tmp_path: Path) -> None:
    result = run_cli("migrate", env=cli_env(tmp_path))
    assert result.returncode == 0, result.stderr
    _wait_gone(tmp_path.resolve() / "pgdata")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_chat_stops_the_server(tmp_path: Path, sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [str(STEWARD), "chat"],
        env=cli_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        seen = ""
        deadline = time.monotonic() + 240
        while "Type /quit" not in seen and time.monotonic() < deadline:
            seen += proc.stdout.readline()
        assert "Type /quit" in seen, seen
        assert _postgres_for(tmp_path.resolve() / "pgdata")
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    _wait_gone(tmp_path.resolve() / "pgdata")


@pytest.mark.slow
def test_usage_summarises_recorded_answers(handbook, settings: Settings) -> None:
    env = cli_env(settings.core.data_dir)
    asked = run_cli("ask", "how many YubiKeys does each person get?", env=env)
    assert asked.returncode == 0, asked.stderr
    result = run_cli("usage", "--since", "2000-01-01", env=env)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("local:SmolLM2")]
    [row] = [r for r in rows if r[1] == "-"]  # the base model without an adapter (other tests add adapters)
    answers, tokens_in, tokens_out = int(row[3]), int(row[4]), int(row[5])
    assert answers >= 1 and tokens_in > 50 and tokens_out > 0
    assert row[2] == "local"
    future = run_cli("usage", "--since", "2999-01-01", env=env)
    assert "local:SmolLM2" not in future.stdout
    bad = run_cli("usage", "--since", "last tuesday", env=env)
    assert bad.returncode == 2 and "ISO date" in bad.stderr
