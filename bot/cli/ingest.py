"""``steward ingest`` output: a progress bar, a warning per skipped file, and a summary."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from tqdm import tqdm

from bot.container import Steward


def run_ingest(app: Steward, paths: list[Path], tenant: str, collection: str) -> int:
    """Ingest ``paths``; returns the exit code (1 when any file failed)."""
    files = app.ingestor.files(paths)
    with tqdm(total=len(files), unit="file", desc="ingest", file=sys.stderr, disable=None) as bar:

        def progress(path: Path, outcome: str) -> None:
            bar.set_postfix_str(f"{outcome}: {path.name}", refresh=False)
            bar.update(1)

        report = app.ingestor.ingest(paths, tenant, collection, progress)
    for path, reason in report.skipped:
        typer.echo(f"warning: skipped {path}: {reason}", err=True)
    for path, reason in report.failed:
        typer.echo(f"error: failed {path}: {reason}", err=True)
    typer.echo(f"{tenant}/{collection}: {report.summary()}")
    return 1 if report.failed else 0
