"""``steward feedback export|snapshot``: preference data from 👍/👎, regenerations and admin corrections."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import Tenant, fail, open_app, settings_for_cli
from bot.cli.governance import parse_when
from bot.learning import EPOCH

feedback_app = typer.Typer(no_args_is_help=True, help="Preference data from feedback (the learning loop).")


@feedback_app.command("export")
def feedback_export(
    out: Annotated[Path, typer.Option("--out", help="File to write (a datasheet is written beside it).")],
    fmt: Annotated[str, typer.Option("--format", help="dpo, sft or csv.")] = "dpo",
    since: Annotated[str | None, typer.Option("--since", help="Only feedback from this ISO date on.")] = None,
    tenant: Tenant = None,
) -> None:
    """Write TRL-ready DPO/SFT JSONL (or CSV) of deduplicated, PII-free pairs, with a datasheet."""
    if fmt not in ("dpo", "sft", "csv"):
        fail(f"--format must be dpo, sft or csv, got {fmt!r}", 2)
    if not out.parent.is_dir():
        fail(f"{out.parent} is not a directory", 2)
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        sheet = app.learning.export(fmt, out, parse_when(since, "--since") or EPOCH, tenant)  # type: ignore[arg-type]
    counts = sheet["counts"]
    typer.echo(f"wrote {sheet['rows_written']} rows to {out} ({counts['pairs']} pairs, {counts['sft_examples']} SFT)")


@feedback_app.command("snapshot")
def feedback_snapshot() -> None:
    """Build and store a new dataset version from all feedback (the scheduler does this nightly)."""
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        try:
            version, folder = app.learning.snapshot()
        except FileExistsError as exc:  # two snapshots within the same second
            fail(f"dataset folder {exc.filename} already exists: try again in a second", 1)
    typer.echo(f"dataset {version}: {folder}")
