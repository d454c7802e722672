"""Slack over HTTP: one FastAPI route for events, slash commands and interactivity."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.app.async_app import AsyncApp

EVENTS_PATH = "/slack/events"


def slack_router(app: AsyncApp) -> APIRouter:
    """A router with ``POST /slack/events``: signed requests go to ``app``; bad signatures get 401."""
    handler = AsyncSlackRequestHandler(app)
    router = APIRouter()

    @router.post(EVENTS_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    return router
