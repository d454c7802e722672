"""``steward discord``: publish the app commands, or run the bot on its own."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

import typer

from bot.cli.common import fail, open_app, settings_for_cli
from bot.discord.run import run_discord, sync_commands

discord_app = typer.Typer(no_args_is_help=True, help="The Discord bot: app command sync, running it alone.")


@discord_app.command("sync-commands")
def sync_commands_command(
    guild: Annotated[
        int | None, typer.Option("--guild", help="Publish to this guild id only (instant; for testing).")
    ] = None,
) -> None:
    """Log in and publish /ask, /ingest, /sources, /forget-me, /audit-export and /help, then exit."""
    settings = settings_for_cli()
    if settings.discord.bot_token is None:
        fail("DISCORD_BOT_TOKEN is not set", 2)
    with open_app(settings) as steward:
        names = asyncio.run(sync_commands(steward.chat, settings.discord, guild))
    where = f"guild {guild}" if guild is not None else "every guild (global commands)"
    typer.echo(f"synced {len(names)} commands to {where}: {', '.join('/' + n for n in names)}")


@discord_app.command("run")
def run_command() -> None:
    """Run only the Discord bot (``steward serve`` runs it beside the HTTP app)."""
    settings = settings_for_cli(interactive=False)
    if settings.discord.bot_token is None:
        fail("DISCORD_BOT_TOKEN is not set", 2)
    with open_app(settings) as steward, contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_discord(steward.chat, settings.discord))
