"""``steward keys create|list|revoke``: per-tenant API keys for the HTTP API and the web admin page."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import fail, open_app, settings_for_cli
from bot.store.api_keys import ApiKey, ApiKeyError

keys_app = typer.Typer(no_args_is_help=True, help="API keys (stored hashed; a key is shown once, at creation).")
TenantOpt = Annotated[str, typer.Option("--tenant", help="The tenant the key acts in.")]
Actor = Annotated[str, typer.Option("--actor", help="Who runs this, as recorded in the audit log.")]


def _row(key: ApiKey) -> str:
    used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "never"
    state = f"revoked {key.revoked_at.isoformat(timespec='seconds')}" if key.revoked_at else "active"
    return f"{key.id}  {key.prefix}…  {key.tenant:<16} {key.role:<10} {key.name or '-':<16} used {used}  {state}"


@keys_app.command("create")
def create(
    tenant: TenantOpt,
    role: Annotated[str, typer.Option("--role", help="admin, compliance, member or guest.")] = "member",
    name: Annotated[str, typer.Option("--name", help="What the key is for (shown in listings).")] = "",
    actor: Actor = "cli:operator",
) -> None:
    """Create a key and print it once; only its hash is stored."""
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        try:
            key, secret = app.api_keys.create(tenant, role, name, actor)
        except ApiKeyError as exc:
            fail(str(exc), 2)
    typer.echo(secret)
    typer.echo(f"created key {key.id} ({key.prefix}…) for tenant {key.tenant} with role {key.role}", err=True)
    typer.echo("store it now: it cannot be shown again", err=True)


@keys_app.command("list")
def list_keys(
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant's keys.")] = None,
) -> None:
    """List keys (id, prefix, tenant, role, name, last use, state); never the keys themselves."""
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        keys = app.api_keys.list(tenant)
    for key in keys:
        typer.echo(_row(key))
    if not keys:
        typer.echo("no API keys", err=True)


@keys_app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="The key's id or prefix (from `steward keys list`).")],
    tenant: TenantOpt,
    actor: Actor = "cli:operator",
) -> None:
    """Revoke a key: requests with it are refused from now on, and its admin sessions end."""
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        try:
            revoked = app.api_keys.revoke(tenant, key.rstrip("…"), actor)
        except ApiKeyError as exc:
            fail(str(exc), 2)
    typer.echo(f"revoked {revoked.id} ({revoked.prefix}…)")
