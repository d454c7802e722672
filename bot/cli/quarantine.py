"""``steward quarantine``: list and release what ingest-time screening held back."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import Collection, Tenant, fail, open_app, operator, settings_for_cli
from bot.store.quarantine import QuarantineError, QuarantineRow, parse_id

quarantine_app = typer.Typer(
    no_args_is_help=True, help="Text held back at ingest (injected instructions): list and release."
)
PREVIEW = 160


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


def _line(row: QuarantineRow) -> str:
    when = row.created_at.strftime("%Y-%m-%d %H:%M")
    released = f" released by {row.released_by}" if row.released_by else ""
    return (
        f"{row.id}  {when}  {row.tenant}/{row.collection}  {row.source}#{row.chunk_index}  "
        f"{row.category} {row.score:.2f} ({row.layer}){released}\n    {_preview(row.sentence)}"
    )


@quarantine_app.command("list")
def list_command(
    tenant: Tenant = None,
    collection: Collection = None,
    released: Annotated[bool, typer.Option("--released", help="Show released text instead of held-back text.")] = False,
) -> None:
    """Held-back text, newest first (all tenants unless --tenant), PII redacted."""
    settings = settings_for_cli()
    with open_app(settings) as steward:
        listing = steward.quarantine.list(operator(tenant), tenant, collection, released)
    for row in listing.rows:
        typer.echo(_line(row))
    state = "released" if released else "held back"
    more = " (showing the newest; narrow with --tenant/--collection)" if listing.truncated else ""
    typer.echo(f"{len(listing.rows)} {state}{more}")


@quarantine_app.command("release")
def release_command(
    quarantine_id: Annotated[str, typer.Argument(metavar="ID", help="An id from `steward quarantine list`.")],
    tenant: Tenant = None,
) -> None:
    """Put the text back into its chunk (re-embedded, searchable again); audited as quarantine_release."""
    settings = settings_for_cli()
    with open_app(settings) as steward:
        try:
            row = steward.quarantine.release(operator(tenant), parse_id(quarantine_id))
        except QuarantineError as exc:
            fail(str(exc))
    typer.echo(f"released {row.id}: {row.source}#{row.chunk_index} is searchable with it again")
