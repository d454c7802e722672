"""``steward ingest`` output: a progress bar, a warning per skipped file, and a summary."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from tqdm import tqdm

from bot.cli.common import operator
from bot.container import Steward


def run_ingest(app: Steward, targets: list[str], tenant: str, collection: str) -> int:
    """Ingest paths and URLs; returns the exit code (1 when any source failed)."""
    with tqdm(unit="source", desc="ingest", file=sys.stderr, disable=None) as bar:

        def progress(origin: str, outcome: str) -> None:
            bar.set_postfix_str(f"{outcome}: {Path(origin.split('!/')[-1]).name}", refresh=False)
            bar.update(1)

        report = app.admin.ingest(operator(tenant), targets, collection, progress)
    for path, reason in report.skipped:
        typer.echo(f"warning: skipped {path}: {reason}", err=True)
    for path, reason in report.failed:
        typer.echo(f"error: failed {path}: {reason}", err=True)
    for note in report.quarantined:
        typer.echo(note.line())
    if report.quarantined:
        typer.echo("review: steward quarantine list; release a false positive with steward quarantine release ID")
    typer.echo(f"{tenant}/{collection}: {report.summary()}")
    return 1 if report.failed else 0
