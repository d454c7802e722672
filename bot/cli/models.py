"""``steward adapters``: the LoRA adapter registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from agents.models.adapters import AdapterError
from agents.models.factory import resolve_local_dir
from agents.models.merge import merge_adapter
from agents.tuning.result import TuneError
from bot.cli.common import fail, open_app, operator, settings_for_cli
from bot.cli.tuning import print_report
from bot.store.outcomes import adapter_outcomes

adapters_app = typer.Typer(no_args_is_help=True, help="LoRA adapters for the local model.")


@adapters_app.command("list")
def adapters_list() -> None:
    """Registered adapters; * marks the active one."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        rows = app.adapters.list()
    if not rows:
        typer.echo("no adapters registered: steward adapters register NAME DIR")
    for a in rows:
        typer.echo(f"{'*' if a.active else ' '} {a.name:<24} {a.created_at:%Y-%m-%d %H:%M}  {a.path}")


@adapters_app.command("register")
def adapters_register(
    name: Annotated[str, typer.Argument()],
    directory: Annotated[Path, typer.Argument(help="A PEFT adapter directory (adapter_config.json + weights).")],
    activate: Annotated[bool, typer.Option("--activate", help="Make it the active adapter.")] = False,
) -> None:
    """Copy a PEFT LoRA adapter into the data dir and record it."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        try:
            info = app.adapters.register(name, directory)
            if activate:
                app.admin.activate_adapter(operator(None), name)
        except AdapterError as exc:
            fail(str(exc), 2)
    typer.echo(f"registered {info.name} at {info.path}{' (active)' if activate else ''}")


@adapters_app.command("activate")
def adapters_activate(name: Annotated[str, typer.Argument()]) -> None:
    """Answer with this adapter from the next question on (no restart needed)."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        try:
            app.admin.activate_adapter(operator(None), name)
        except AdapterError as exc:
            fail(str(exc), 2)
    typer.echo(f"{name} is now active")


@adapters_app.command("deactivate")
def adapters_deactivate() -> None:
    """Answer with the plain base model."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        app.admin.activate_adapter(operator(None), None)
    typer.echo("no adapter is active")


@adapters_app.command("eval")
def adapters_eval(
    name: Annotated[str, typer.Argument(help="The candidate adapter.")],
    against: Annotated[
        str | None, typer.Option("--against", help="Adapter to compare with, or '(base)'; default: the active one.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON.")] = False,
) -> None:
    """Score a candidate against the serving adapter on held-out domain QA and everyday prompts (the gate)."""
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        try:
            report = app.tuning.evaluate(name, against)
        except (AdapterError, TuneError) as exc:
            fail(str(exc), 2)
    print_report(report.as_json(), as_json)


@adapters_app.command("promote")
def adapters_promote(name: Annotated[str, typer.Argument(help="The candidate adapter.")]) -> None:
    """Activate a candidate only if the gate, against the serving adapter, promotes it (evaluates if needed)."""
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        try:
            report = app.tuning.promote(operator(None), name)
        except (AdapterError, TuneError) as exc:
            fail(str(exc), 2)
    print_report(report.as_json(), False)
    if not report.promoted:
        fail(f"{name} was not promoted: the gate refused it", 1)
    typer.echo(f"{name} is now active")


@adapters_app.command("merge")
def adapters_merge(
    name: Annotated[str, typer.Argument()],
    out: Annotated[Path, typer.Option("--out", help="New directory for the merged model.")],
) -> None:
    """Bake an adapter into the base weights; serve the result with STEWARD_LLM_MODEL_DIR."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        try:
            info = app.adapters.get(name)
            merged = merge_adapter(resolve_local_dir(settings.llm, settings.core.data_dir), info.path, out)
        except AdapterError as exc:
            fail(str(exc), 2)
    typer.echo(f"merged {name} into {merged}: set STEWARD_LLM_MODEL_DIR={merged} to serve it")


@adapters_app.command("rollback")
def adapters_rollback() -> None:
    """Re-activate the adapter that was active before the current one."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        try:
            previous = app.admin.rollback_adapter(operator(None))
        except AdapterError as exc:
            fail(str(exc), 2)
    typer.echo(f"rolled back: {previous or 'the base model'} is active")


@adapters_app.command("canary")
def adapters_canary(
    name: Annotated[str | None, typer.Argument(help="The candidate adapter (omit with --percent 0 to stop).")] = None,
    percent: Annotated[int, typer.Option("--percent", help="Share of answers for the candidate, 0-100.")] = 10,
) -> None:
    """Send a share of answers to a candidate adapter; `steward adapters outcomes` compares them."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        try:
            app.admin.set_canary(operator(None), name, percent)
        except AdapterError as exc:
            fail(str(exc), 2)
    typer.echo(f"canary: {name} gets {percent}% of answers" if name and percent else "canary stopped")


@adapters_app.command("outcomes")
def adapters_outcomes(
    days: Annotated[int, typer.Option("--days", help="Look back this many days.")] = 7,
) -> None:
    """Answers, feedback ratio and fallback rate per adapter (to judge a canary)."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        rows = adapter_outcomes(app.database, datetime.now(UTC) - timedelta(days=days))
    typer.echo(f"{'ADAPTER':<24} {'ANSWERS':>7} {'UP':>5} {'DOWN':>5} {'RATIO':>6} {'FALLBACK':>8}")
    for r in rows:
        ratio = f"{r.feedback_ratio:.2f}" if r.feedback_ratio is not None else "-"
        typer.echo(f"{r.adapter:<24} {r.answers:>7} {r.up:>5} {r.down:>5} {ratio:>6} {r.fallback_rate:>8.2f}")
