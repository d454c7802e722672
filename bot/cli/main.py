"""``steward``: migrate, ingest, ask, chat and inspect configuration."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from agents.ingestion.sources import is_url
from bot.cli.chat import run_chat
from bot.cli.common import Collection, Tenant, fail, open_app, operator, settings_for_cli
from bot.cli.governance import audit_app, forget_command, retention_app
from bot.cli.ingest import run_ingest
from bot.cli.jobs import jobs_app
from bot.cli.keys import keys_app
from bot.cli.knowledge import collections_app, eval_app
from bot.cli.learning import feedback_app
from bot.cli.models import adapters_app
from bot.cli.quarantine import quarantine_app
from bot.cli.render import render_reply
from bot.cli.tuning import model_card_command, tune_app
from bot.discord.cli import discord_app
from bot.pipeline.message import IncomingMessage, InvalidMessage
from bot.settings import effective, env_example, markdown_table
from bot.store.usage import usage

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Steward: a governed team assistant that answers from your documents with citations.",
)
config_app = typer.Typer(no_args_is_help=True, help="Inspect configuration.")
app.add_typer(config_app, name="config")
app.add_typer(collections_app, name="collections")
app.add_typer(eval_app, name="eval")
app.add_typer(adapters_app, name="adapters")
app.add_typer(audit_app, name="audit")
app.add_typer(retention_app, name="retention")
app.command("forget")(forget_command)
app.add_typer(discord_app, name="discord")
app.add_typer(feedback_app, name="feedback")
app.add_typer(jobs_app, name="jobs")
app.add_typer(keys_app, name="keys")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(tune_app, name="tune")
app.command("model-card")(model_card_command)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (also done automatically on start)."""
    settings = settings_for_cli()
    with open_app(settings) as steward:
        from bot.db.migrate import current_revision

        typer.echo(f"database at revision {current_revision(steward.database)} (latest)")


@app.command()
def ingest(
    targets: Annotated[list[str], typer.Argument(help="Files, folders (recursively), .zip archives or http(s) URLs.")],
    tenant: Tenant = None,
    collection: Collection = None,
) -> None:
    """Ingest Markdown, text, HTML, PDF and DOCX: unchanged sources are skipped, changed ones replaced atomically."""
    missing = [t for t in targets if not is_url(t) and not Path(t).exists()]
    if missing:
        fail(f"no such file or directory: {', '.join(missing)}")
    settings = settings_for_cli()
    with open_app(settings) as steward:
        code = run_ingest(
            steward,
            targets,
            tenant or settings.core.default_tenant,
            collection or settings.core.default_collection,
        )
    raise typer.Exit(code)


@app.command()
def reindex(
    tenant: Tenant = None,
    source: Annotated[
        str | None, typer.Option("--source", help="One source (path, folder prefix or URL); default: all.")
    ] = None,
) -> None:
    """Re-embed changed sources and remove the chunks of sources that are gone (all tenants unless --tenant)."""
    if source is not None and not is_url(source):
        source = str(Path(source).resolve())
    settings = settings_for_cli()
    with open_app(settings) as steward:
        report = steward.admin.reindex(operator(tenant), tenant, source)
    for origin in report.removed:
        typer.echo(f"removed {origin}: the source is gone")
    for origin, reason in report.ingest.failed:
        typer.echo(f"error: failed {origin}: {reason}", err=True)
    for note in report.ingest.quarantined:
        typer.echo(note.line())
    typer.echo(report.summary())
    raise typer.Exit(1 if report.ingest.failed else 0)


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
    settings = settings_for_cli()
    message = IncomingMessage(
        platform="cli",
        tenant=tenant or settings.core.default_tenant,
        channel="terminal",
        user="cli",
        text=question,
        collections=(collection or settings.core.default_collection,),
    )
    with open_app(settings) as steward:
        try:
            reply = asyncio.run(steward.pipeline.handle(message))
        except InvalidMessage as exc:
            fail(str(exc), 2)
    typer.echo(json.dumps(reply.as_json(), ensure_ascii=False) if as_json else render_reply(reply))


@app.command()
def chat(tenant: Tenant = None, collection: Collection = None) -> None:
    """Chat with Steward in the terminal."""
    settings = settings_for_cli()
    with open_app(settings) as steward:
        run_chat(steward, tenant or settings.core.default_tenant, collection or settings.core.default_collection)


@app.command("serve")
def serve_command() -> None:
    """Run the HTTP server (Slack events, health) and the Slack/Discord connections that are configured."""
    from bot.serve import serve

    settings = settings_for_cli(interactive=False)
    with open_app(settings) as steward, contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(steward))


@app.command("usage")
def usage_command(
    tenant: Tenant = None,
    since: Annotated[str, typer.Option("--since", help="ISO date or datetime, e.g. 2026-11-01.")] = "1970-01-01",
) -> None:
    """Answers, tokens, latency and estimated cost per model, adapter and route."""
    try:
        start = datetime.fromisoformat(since)
    except ValueError:
        fail(f"--since takes an ISO date like 2026-11-01, got {since!r}", 2)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    settings = settings_for_cli()
    with open_app(settings) as steward:
        rows = usage(steward.database, tenant or settings.core.default_tenant, start)
    typer.echo(
        f"{'MODEL':<30} {'ADAPTER':<14} {'ROUTE':<10} {'ANSWERS':>7} {'TOK IN':>8} {'TOK OUT':>8}"
        f" {'P50 MS':>8} {'P95 MS':>8} {'COST USD':>9}"
    )
    for r in rows:
        typer.echo(
            f"{r.model:<30} {r.adapter:<14} {r.route:<10} {r.answers:>7} {r.tokens_in:>8} {r.tokens_out:>8}"
            f" {r.p50_ms or 0:>8.0f} {r.p95_ms or 0:>8.0f} {r.cost_usd:>9.4f}"
        )


@config_app.command("show")
def config_show() -> None:
    """Print the effective settings (secrets masked)."""
    settings = settings_for_cli(interactive=False)
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
