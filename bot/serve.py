"""``steward serve``: one process with the HTTP app (Slack events, health) and the chat connections.

Slack answers over HTTP at ``/slack/events``, or over Socket Mode when ``SLACK_APP_TOKEN`` is set;
Discord connects to its gateway when ``DISCORD_BOT_TOKEN`` is set. All of them share one
:class:`~bot.container.Steward` (one pool, one loaded model).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Coroutine, Iterator
from typing import Any

from fastapi import APIRouter

from bot.container import Steward
from bot.http.app import make_http_app
from bot.logs import get_logger

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


def api_routers(app: Steward) -> list[APIRouter]:
    """The HTTP API and the web admin page, when ``STEWARD_HTTP_API_ENABLED`` is on."""
    if not app.settings.http.api_enabled:
        return []
    from bot.http.admin.promotions import Promotions
    from bot.http.admin.quarantine import QuarantineWeb, quarantine_router
    from bot.http.admin.routes import AdminServices, admin_router
    from bot.http.admin.session import SessionSigner
    from bot.http.api import ApiServices, api_router

    http = app.settings.http
    signer = SessionSigner(app.session_key, http.session_minutes)
    promotions = Promotions(app.tuning.promote)
    web = AdminServices(
        app.access, app.commands, app.admin, app.adapters, app.database, signer, promotions, http.secure_cookies
    )
    log.info("serve.api", paths=["/api/v1", "/admin"])
    quarantine = quarantine_router(QuarantineWeb(app.access, app.quarantine, signer))
    return [api_router(ApiServices(app.pipeline, app.commands, app.access)), admin_router(web), quarantine]


class _Server:
    """uvicorn without its own signal handling: ``serve`` decides the order of a graceful stop."""

    @staticmethod
    def make(app: Steward, http: Any) -> Any:
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                yield

        grace = app.settings.http.shutdown_grace_seconds
        config = uvicorn.Config(
            http,
            host=app.settings.http.host,
            port=app.settings.http.port,
            log_config=None,
            timeout_graceful_shutdown=max(1, int(grace)),
        )
        return Server(config)


def _on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread / platform
            loop.add_signal_handler(sig, stop.set)


async def _stop(app: Steward, server: Any, running: list[asyncio.Task[Any]], reason: str) -> None:
    """Stop intake, let answers in flight finish (up to the grace time), then stop everything else."""
    grace = app.settings.http.shutdown_grace_seconds
    app.pipeline.close()
    log.info("serve.stopping", reason=reason, inflight=app.pipeline.inflight, grace_seconds=grace)
    left = await app.pipeline.drain(grace)
    server.should_exit = True  # uvicorn stops listening and waits for open responses to be written
    await asyncio.wait(running[:1], timeout=grace + 5)
    for task in running:
        task.cancel()  # chat connections and the scheduler; answers still running after the grace time
    await asyncio.gather(*running, return_exceptions=True)
    # Audit events are committed synchronously with each action, so nothing acknowledged is buffered.
    log.info("serve.stopped", cancelled_answers=left)


async def serve(app: Steward) -> None:
    """Run the HTTP server, the chat connections and the scheduler until SIGTERM/SIGINT or a failure."""
    routers, tasks = _slack(app)
    routers += api_routers(app)
    tasks += _discord(app)
    stopping = asyncio.Event()
    http = make_http_app(routers, ready=lambda: not stopping.is_set() and app.ready(), metrics=app.metrics.exposition)
    server = _Server.make(app, http)
    log.info("serve.http", host=app.settings.http.host, port=app.settings.http.port)
    running = [asyncio.create_task(server.serve()), *(asyncio.create_task(t) for t in tasks)]
    if app.settings.schedule.enabled:  # the replica elected leader runs the jobs; the others stand by
        running.append(asyncio.create_task(app.scheduler_election().run()))
        log.info("serve.scheduler", jobs=[job.name for job in app.jobs()])
    app.warm_up()
    _on_signals(stopping)
    waiter = asyncio.create_task(stopping.wait())
    try:
        done, _ = await asyncio.wait([waiter, *running], return_when=asyncio.FIRST_COMPLETED)
        for task in done - {waiter}:
            task.result()  # surface the error of whatever stopped first
    finally:
        reason = "signal" if waiter.done() and not waiter.cancelled() else "a component stopped"
        stopping.set()
        waiter.cancel()
        await _stop(app, server, running, reason)
