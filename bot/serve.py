"""``steward serve``: one process with the HTTP app (Slack events, health) and the chat connections.

Slack answers over HTTP at ``/slack/events``, or over Socket Mode when ``SLACK_APP_TOKEN`` is set;
Discord connects to its gateway when ``DISCORD_BOT_TOKEN`` is set. All of them share one
:class:`~bot.container.Steward` (one pool, one loaded model).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from fastapi import APIRouter

from bot.container import Steward
from bot.http.app import make_http_app
from bot.logs import get_logger
from bot.scheduler import LeaderRunner, make_scheduler

log = get_logger(__name__)


def _slack(app: Steward) -> tuple[list[APIRouter], list[Coroutine[Any, Any, None]]]:
    settings = app.settings.slack
    if settings.bot_token is None:
        return [], []
    from bot.slack.app import build_slack_app
    from bot.slack.http import slack_router
    from bot.slack.socket import run_socket_mode

    slack = build_slack_app(app.chat, settings)
    if settings.app_token is not None:
        log.info("serve.slack", transport="socket-mode")
        return [], [run_socket_mode(slack, settings)]
    log.info("serve.slack", transport="http", path="/slack/events")
    return [slack_router(slack)], []


def _discord(app: Steward) -> list[Coroutine[Any, Any, None]]:
    if app.settings.discord.bot_token is None:
        return []
    from bot.discord.run import run_discord

    log.info("serve.discord")
    return [run_discord(app.chat, app.settings.discord)]


async def serve(app: Steward) -> None:
    """Run the HTTP server and every configured chat connection until one of them stops."""
    import uvicorn

    routers, tasks = _slack(app)
    tasks += _discord(app)
    http = make_http_app(routers, ready=app.database.ping)
    config = uvicorn.Config(http, host=app.settings.http.host, port=app.settings.http.port, log_config=None)
    server = uvicorn.Server(config)
    log.info("serve.http", host=app.settings.http.host, port=app.settings.http.port)
    running = [asyncio.create_task(server.serve()), *(asyncio.create_task(t) for t in tasks)]
    scheduler = make_scheduler(app.jobs(), LeaderRunner(app.database)) if app.settings.schedule.enabled else None
    if scheduler is not None:
        scheduler.start()
        log.info("serve.scheduler", jobs=[job.name for job in app.jobs()])
    try:
        done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # surface the error of whatever stopped first
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        server.should_exit = True
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
