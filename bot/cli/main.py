"""``steward``: migrate, ingest, ask, chat and inspect configuration."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from bot.cli.chat import run_chat
from bot.cli.ingest import run_ingest
from bot.cli.render import render_reply
from bot.container import Steward
from bot.logs import configure_logging
from bot.pipeline.message import IncomingMessage, InvalidMessage
from bot.settings import Settings, effective, env_example, load_settings, markdown_table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Steward: a governed team assistant that answers from your documents with citations.",
)
config_app = typer.Typer(no_args_is_help=True, help="Inspect configuration.")
app.add_typer(config_app, name="config")

Tenant = Annotated[str | None, typer.Option("--tenant", help="Tenant (default: STEWARD_DEFAULT_TENANT).")]
Collection = Annotated[
    str | None, typer.Option("--collection", help="Collection (default: STEWARD_DEFAULT_COLLECTION).")
]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a one-line error and exit non-zero."""
    typer.echo(f"steward: error: {message}", err=True)
    raise typer.Exit(code)


def _settings(interactive: bool = True) -> Settings:
    try:
        settings = load_settings()
    except Exception as exc:  # noqa: BLE001 - pydantic's message says which variable is wrong
        fail(f"invalid configuration: {exc}", 2)
    log_file = settings.core.log_file
    if log_file is None and interactive:
        log_file = settings.core.data_dir / "logs" / "steward.log"
    configure_logging(settings.core.log_level, settings.core.log_format, log_file)
    return settings


def _open(settings: Settings) -> Steward:
    try:
        return Steward.open(settings)
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        fail(f"cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0]}")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (also done automatically on start)."""
    settings = _settings()
    with _open(settings) as steward:
        from bot.db.migrate import current_revision

        typer.echo(f"database at revision {current_revision(steward.database)} (latest)")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.md, .txt, .html), recursively.")],
    tenant: Tenant = None,
    collection: Collection = None,
) -> None:
    """Ingest documents: unchanged files are skipped, changed ones replaced atomically."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"no such file or directory: {', '.join(missing)}")
    settings = _settings()
    with _open(settings) as steward:
        code = run_ingest(
            steward,
            paths,
            tenant or settings.core.default_tenant,
            collection or settings.core.default_collection,
        )
    raise typer.Exit(code)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    tenant: Tenant = None,
    collection: Collection = None,
) -> None:
    """Ask one question and print the answer with its citations."""
    if not question.strip():
        fail('the question is empty: steward ask "your question"', 2)
    settings = _settings()
    message = IncomingMessage(
        platform="cli",
        tenant=tenant or settings.core.default_tenant,
        channel="terminal",
        user="cli",
        text=question,
        collections=(collection or settings.core.default_collection,),
    )
    with _open(settings) as steward:
        try:
            reply = asyncio.run(steward.pipeline.handle(message))
        except InvalidMessage as exc:
            fail(str(exc), 2)
    typer.echo(json.dumps(reply.as_json(), ensure_ascii=False) if as_json else render_reply(reply))


@app.command()
def chat(tenant: Tenant = None, collection: Collection = None) -> None:
    """Chat with Steward in the terminal."""
    settings = _settings()
    with _open(settings) as steward:
        run_chat(steward, tenant or settings.core.default_tenant, collection or settings.core.default_collection)


@config_app.command("show")
def config_show() -> None:
    """Print the effective settings (secrets masked)."""
    settings = _settings(interactive=False)
    for env, value, _ in effective(settings):
        typer.echo(f"{env}={value}")


@config_app.command("example")
def config_example(
    markdown: Annotated[bool, typer.Option("--markdown", help="A Markdown table instead of .env syntax.")] = False,
) -> None:
    """Print every setting with its default and description (the source of .env.example)."""
    typer.echo(markdown_table() if markdown else env_example(), nl=False)


def _exit_on_signal(signum: int, _frame: object) -> None:
    # Turn SIGTERM/SIGHUP into a normal exit so context managers and atexit hooks stop the embedded server.
    raise SystemExit(128 + signum)


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("", err=True)
        sys.exit(130)
