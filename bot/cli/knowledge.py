"""``steward collections`` and ``steward eval``: knowledge scopes and retrieval quality."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from agents.eval.retrieval import QAFileError, RetrievalReport, evaluate, load_qa
from agents.retrieval.store import Scope
from bot.cli.common import Collection, Tenant, fail, open_app, operator, settings_for_cli
from bot.container import Steward

collections_app = typer.Typer(no_args_is_help=True, help="Knowledge scopes per tenant, and channel mappings.")
eval_app = typer.Typer(no_args_is_help=True, help="Measure retrieval quality.")

Platform = Annotated[str, typer.Option("--platform", help="slack, discord, cli, ...")]
Channel = Annotated[str, typer.Option("--channel", help="The platform's channel id.")]


@collections_app.command("list")
def collections_list(tenant: Tenant = None) -> None:
    """Collections with their document and chunk counts (every tenant unless --tenant)."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        rows = app.collections.list(tenant)
    if not rows:
        typer.echo("no collections yet: steward ingest --tenant T --collection C PATH")
        return
    typer.echo(f"{'TENANT':<20} {'COLLECTION':<20} {'DOCS':>6} {'CHUNKS':>7}  UPDATED")
    for r in rows:
        updated = r.updated_at.isoformat(timespec="seconds") if r.updated_at else "-"
        typer.echo(f"{r.tenant:<20} {r.name:<20} {r.documents:>6} {r.chunks:>7}  {updated}")


@collections_app.command("map")
def collections_map(
    collection: Annotated[str, typer.Argument()], platform: Platform, channel: Channel, tenant: Tenant = None
) -> None:
    """Let a chat channel search a collection (a channel with no mapping searches all of them)."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        try:
            app.admin.map_channel(operator(tenant or settings.core.default_tenant), platform, channel, collection)
        except KeyError as exc:
            fail(str(exc.args[0]))
    typer.echo(f"{platform}:{channel} now searches {collection}")


@collections_app.command("unmap")
def collections_unmap(
    collection: Annotated[str, typer.Argument()], platform: Platform, channel: Channel, tenant: Tenant = None
) -> None:
    """Remove a channel → collection mapping."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        who = operator(tenant or settings.core.default_tenant)
        removed = app.admin.map_channel(who, platform, channel, collection, on=False)
    if not removed:
        fail(f"{platform}:{channel} was not mapped to {collection}")
    typer.echo(f"{platform}:{channel} no longer searches {collection}")


def _ks(text: str) -> list[int]:
    try:
        ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        fail(f"--k takes comma-separated integers, got {text!r}", 2)
    if not ks or ks[0] < 1:
        fail("--k values must be positive", 2)
    return ks


def _sources(app: Steward, question: str, scope: Scope, k: int) -> list[str]:
    return [d.metadata["source"] for d in app.agent.retrieve(question, scope, k).documents]


def _table(report: RetrievalReport) -> str:
    lines = [f"questions  {report.questions}"]
    lines += [f"recall@{k:<3} {v:.3f}" for k, v in report.recall.items()]
    lines.append(f"MRR        {report.mrr:.3f}")
    lines += [f"miss: {m['question']!r} expected {m['expected_source']}" for m in report.misses]
    return "\n".join(lines)


@eval_app.command("retrieval")
def eval_retrieval(
    qa: Annotated[Path, typer.Option("--qa", help='JSONL: {"question": str, "expected_source": str} per line.')],
    k: Annotated[str, typer.Option("--k", help="Cut-offs, comma-separated.")] = "1,5,10",
    tenant: Tenant = None,
    collection: Collection = None,
) -> None:
    """Recall@k and MRR of retrieval over a QA set (JSON; a table on a terminal)."""
    if not qa.is_file():
        fail(f"no such file: {qa}")
    try:
        items = load_qa(qa)
    except (QAFileError, UnicodeDecodeError) as exc:
        fail(f"{qa}: {exc}", 2)
    ks = _ks(k)
    settings = settings_for_cli()
    scope = Scope(tenant or settings.core.default_tenant, (collection,) if collection else ())
    with open_app(settings) as app:
        report = evaluate(items, lambda q: _sources(app, q, scope, max(ks)), ks)
    typer.echo(_table(report) if sys.stdout.isatty() else json.dumps(report.as_json()))
