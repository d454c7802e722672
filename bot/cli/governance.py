"""``steward audit verify|export``, ``steward forget`` and ``steward retention purge``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from bot.cli.common import Tenant, fail, open_app, settings_for_cli
from bot.compliance import export_audit
from bot.container import Steward
from bot.store.forget import forget_user
from bot.store.retention import purge
from governance.audit.export import manifest_path
from governance.audit.reader import EventFilter, read_events
from governance.audit.verify import verify

audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit trail.")
retention_app = typer.Typer(no_args_is_help=True, help="Data retention.")
Actor = Annotated[str, typer.Option("--actor", help="Who runs this, as recorded in the audit log.")]


def parse_when(value: str | None, flag: str) -> datetime | None:
    """An ISO date/time option as an aware datetime (UTC when no zone is given); a clear error otherwise."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{flag} takes an ISO date like 2026-11-01, got {value!r}", 2)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _anchors(path: Path | None) -> dict[str, tuple[int, str]]:
    if path is None:
        return {}
    try:
        heads = json.loads(path.read_text(encoding="utf-8"))["heads"]
    except (OSError, ValueError, KeyError) as exc:
        fail(f"cannot read the anchor manifest {path}: {exc}", 2)
    return {tenant: (int(seq), str(digest)) for tenant, (seq, digest) in heads.items()}


@audit_app.command("verify")
def audit_verify(
    tenant: Tenant = None,
    anchor: Annotated[
        Path | None, typer.Option("--anchor", help="An export manifest: also detect events deleted after it.")
    ] = None,
) -> None:
    """Recompute every hash and link; exit 1 naming the first bad event of each broken chain."""
    settings = settings_for_cli(interactive=False)
    anchors = _anchors(anchor)
    if tenant:
        anchors = {t: a for t, a in anchors.items() if t == tenant}
    with open_app(settings) as app, app.database.engine.begin() as conn:
        result = verify(read_events(conn, EventFilter(tenant=tenant)), anchors)
    for tenant_id, count in sorted(result.tenants.items()):
        typer.echo(f"{tenant_id}: {count} events")
    for problem in result.problems:
        typer.echo(f"TAMPERED: {problem}", err=True)
    if not result.ok:
        raise typer.Exit(1)
    typer.echo(f"ok: {result.checked} events verified")


def _export(app: Steward, where: EventFilter, out: Path, fmt: Literal["jsonl", "csv"], actor: str) -> None:
    manifest = export_audit(app.database, app.audit, app.audit_key, where, out, fmt, actor)
    typer.echo(f"exported {manifest.count} events to {out}; manifest {manifest_path(out)}")


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    tenant: Tenant = None,
    since: Annotated[str | None, typer.Option("--since", help="From this ISO date/time (inclusive).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to this ISO date/time (exclusive).")] = None,
    actor: Actor = "cli:operator",
) -> None:
    """Write audit events and a manifest (count, first/last hash, HMAC); the export is itself audited."""
    if fmt not in ("jsonl", "csv"):
        fail(f"--format must be jsonl or csv, got {fmt!r}", 2)
    if not out.parent.is_dir():
        fail(f"{out.parent} is not a directory", 2)
    where = EventFilter(tenant, parse_when(since, "--since"), parse_when(until, "--until"))
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        _export(app, where, out, "csv" if fmt == "csv" else "jsonl", actor)


def forget_command(
    tenant: Annotated[str, typer.Option("--tenant", help="The tenant (workspace or guild).")],
    user: Annotated[str, typer.Option("--user", help="The user as platform:user, e.g. slack:U0123.")],
    actor: Actor = "cli:operator",
) -> None:
    """Erase a user's questions, answers and feedback; audit events stay, no longer linked to them."""
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        try:
            event = forget_user(app.database, app.audit, tenant, user, actor)
        except ValueError as exc:
            fail(str(exc), 2)
    removed = ", ".join(f"{k} {v}" for k, v in event.removed.items())
    typer.echo(f"forgot {user} in {tenant} (audit pseudonym {event.subject} is now unlinkable): {removed}")


@retention_app.command("purge")
def retention_purge() -> None:
    """Apply the retention settings now (the scheduler does this daily)."""
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        counts = purge(app.database, settings.retention)
    typer.echo(", ".join(f"{k}: {v}" for k, v in counts.items()) or "no retention rule is set")
