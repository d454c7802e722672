"""Facts about the machine and the run, so the figures can be read in context."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path

import torch
from sqlalchemy import Engine, text


@dataclass(frozen=True)
class Machine:
    """What the benchmark ran on."""

    date_utc: str
    cpu: str
    cores: int
    torch_threads: int
    python: str
    torch: str
    postgres: str
    pgvector: str


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo`` (or what ``platform`` knows)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def date_utc() -> str:
    """The output of ``date -u``."""
    try:
        return subprocess.run(["date", "-u"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    return os.getloadavg()


def _versions(engine: Engine) -> tuple[str, str]:
    with engine.connect() as conn:
        server = str(conn.execute(text("SHOW server_version")).scalar())
        vector = conn.execute(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).scalar()
    return server.split(" ")[0], str(vector)


def describe(engine: Engine, date: str) -> Machine:
    """Collect the machine facts (call after the models are loaded so torch's thread count is the real one)."""
    postgres, pgvector = _versions(engine)
    return Machine(
        date_utc=date,
        cpu=cpu_model(),
        cores=os.cpu_count() or 0,
        torch_threads=torch.get_num_threads(),
        python=platform.python_version(),
        torch=torch.__version__,
        postgres=postgres,
        pgvector=pgvector,
    )
