"""``steward adapters``: the LoRA adapter registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agents.models.adapters import AdapterError
from agents.models.factory import resolve_local_dir
from agents.models.merge import merge_adapter
from bot.cli.common import fail, open_app, operator, settings_for_cli

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
