"""The FastAPI app: health, plus whatever routers the composition root mounts (Slack events, API)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fastapi import APIRouter, FastAPI, Response


def make_http_app(
    routers: Sequence[APIRouter],
    ready: Callable[[], bool],
    metrics: Callable[[], tuple[bytes, str]] | None = None,
) -> FastAPI:
    """An app with ``/healthz`` (process up), ``/readyz`` (200 when ready, 503 if not) and the given routers.

    With ``metrics`` (body and content type of the Prometheus exposition), also ``GET /metrics``.
    """
    app = FastAPI(title="Steward", docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz(response: Response) -> dict[str, str]:  # sync: the check waits on the database (in a thread)
        try:
            is_ready = ready()
        except Exception:  # a database that is down or unreachable: not ready, never a 500
            is_ready = False
        if not is_ready:
            response.status_code = 503
        return {"status": "ready" if is_ready else "unavailable"}

    if metrics is not None:
        exposition = metrics

        @app.get("/metrics", include_in_schema=False)
        def prometheus() -> Response:  # sync: a scrape may read the database (FastAPI runs it in a thread)
            body, content_type = exposition()
            return Response(content=body, media_type=content_type)

    for router in routers:
        app.include_router(router)
    return app
