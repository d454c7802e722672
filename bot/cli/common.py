"""Helpers every command shares: settings, logging, opening the app, one-line errors."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from bot.admin import OPERATOR_TENANT
from bot.container import Steward
from bot.logs import configure_logging
from bot.settings import Settings, load_settings
from governance.policy.rbac import Subject

Tenant = Annotated[str | None, typer.Option("--tenant", help="Tenant (default: STEWARD_DEFAULT_TENANT).")]
Collection = Annotated[
    str | None, typer.Option("--collection", help="Collection (default: STEWARD_DEFAULT_COLLECTION).")
]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a one-line error and exit non-zero."""
    typer.echo(f"steward: error: {message}", err=True)
    raise typer.Exit(code)


def settings_for_cli(interactive: bool = True) -> Settings:
    """Load settings (one-line error when invalid) and configure logging for a command."""
    try:
        settings = load_settings()
    except Exception as exc:  # noqa: BLE001 - pydantic's message says which variable is wrong
        fail(f"invalid configuration: {exc}", 2)
    log_file = settings.core.log_file
    if log_file is None and interactive:
        log_file = settings.core.data_dir / "logs" / "steward.log"
    configure_logging(settings.core.log_level, settings.core.log_format, log_file)
    return settings


def open_app(settings: Settings) -> Steward:
    """Open the database (migrating it) and build the app, or fail with one line."""
    try:
        return Steward.open(settings)
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        fail(f"cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0]}")


def operator(tenant: str | None) -> Subject:
    """The CLI user: an operator with shell and database access, so an admin of any tenant."""
    return Subject(tenant or OPERATOR_TENANT, "cli:operator", platform_admin=True)
