"""The FastAPI app: health, plus whatever routers the composition root mounts (Slack events, API)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fastapi import APIRouter, FastAPI


def make_http_app(routers: Sequence[APIRouter], ready: Callable[[], bool]) -> FastAPI:
    """An app with ``/healthz`` (process up) and ``/readyz`` (database answers) and the given routers."""
    app = FastAPI(title="Steward", docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready" if ready() else "unavailable"}

    for router in routers:
        app.include_router(router)
    return app
