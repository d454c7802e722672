"""The HTTP API (``/api/v1``): another adapter, like Slack and Discord.

Each handler only translates: JSON in → a :class:`~bot.commands.Caller` (from the API key) and a call on
the same services the chat adapters use → JSON out. Blocking work (key lookups, feedback, exports) runs
in worker threads; the pipeline already runs its own blocking steps in threads, so concurrent requests
do not stall the event loop.
"""

# No `from __future__ import annotations` here: FastAPI must evaluate the closures' Annotated dependencies.
import asyncio
import contextlib
import dataclasses
import json
import math
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.background import BackgroundTask

from bot.access import ApiAccess
from bot.admin import NotAllowed
from bot.chat.streaming import Partial, StreamingSession
from bot.commands import Caller, Commands
from bot.logs import get_logger
from bot.pipeline.message import MAX_QUESTION_CHARS, IncomingMessage, InvalidMessage, Reply
from bot.pipeline.pipeline import Pipeline, Stopping

log = get_logger(__name__)
PREFIX = "/api/v1"
MANIFEST_HEADER = "X-Steward-Manifest"
_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
_STATUS = {"denied": 403, "rate_limited": 429}  # other refusals (blocked, declined) are answers: 200


def _retry(reply: Reply) -> dict[str, str]:
    """``Retry-After`` (whole seconds, at least 1) for a rate-limited reply."""
    if reply.status != "rate_limited":
        return {}
    return {"Retry-After": str(max(1, math.ceil(reply.retry_after_s or 1)))}


@dataclass(frozen=True)
class ApiServices:
    """What the API is given by the composition root."""

    pipeline: Pipeline
    commands: Commands
    access: ApiAccess


class AskRequest(BaseModel):
    """A question."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="The question.")
    collection: str | None = Field(None, min_length=1, max_length=200, description="Search only this collection.")
    thread_id: str | None = Field(
        None, min_length=1, max_length=200, description="Earlier questions with the same id are the conversation."
    )


class FeedbackRequest(BaseModel):
    """A 👍/👎 on an answer."""

    model_config = ConfigDict(extra="forbid")
    answer_id: uuid.UUID = Field(description="The `answer_id` of an answer from `/api/v1/ask`.")
    rating: Literal["up", "down", 1, -1] = Field(description='"up" or 1 (👍), "down" or -1 (👎).')
    reason: str = Field("", max_length=2000, description="Why (optional; PII is redacted before it is stored).")


def _problem(exc: RequestValidationError) -> JSONResponse:
    errors = [{k: e[k] for k in ("loc", "msg", "type") if k in e} for e in exc.errors()]
    summary = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors)
    return JSONResponse({"detail": f"invalid request: {summary}", "errors": errors}, status_code=422)


class _Route(APIRoute):
    """Clear errors: a one-line 422 for bad input, a 503 (not a hang or a 500) when the database is down."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return _problem(exc)
            except _UNAVAILABLE as exc:
                log.warning("api.unavailable", error=type(exc).__name__)
                body = {"detail": "the database is unavailable; try again shortly"}
                return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
            except Stopping as exc:
                return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "5"})

        return run


def answer_json(reply: Reply) -> dict[str, Any]:
    """``steward ask --json`` plus the answer's id (for feedback) and its status."""
    return {
        **reply.as_json(),
        "answer_id": str(reply.answer_id) if reply.answer_id else None,
        "status": reply.status,
    }


def _message(body: AskRequest, who: Caller) -> IncomingMessage:
    """The pipeline message for an ask request from this key's caller."""
    collections = (body.collection,) if body.collection else ()
    return dataclasses.replace(who.message(body.question), thread=body.thread_id, collections=collections)


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _events(pipeline: Pipeline, message: IncomingMessage) -> AsyncIterator[str]:
    """``token`` events (checked text only), then one ``answer`` (or ``error``) event.

    A token is released only after its sentence passed output moderation, the output PII check and the
    groundedness check (the chat core's streaming session, as in Slack and Discord). The ``answer`` event
    carries the same JSON as ``/api/v1/ask``; clients show it in place of the tokens.
    """
    sent = ""
    async with contextlib.aclosing(StreamingSession(pipeline, interval_s=0.0).events(message)) as events:
        async for event in events:  # a client that goes away closes this, which cancels the generation
            if isinstance(event, Partial):
                yield _sse({"type": "token", "text": event.text[len(sent) :]})
                sent = event.text
            elif isinstance(event, Reply):
                yield _sse({"type": "answer", "answer": answer_json(event)})
            else:
                yield _sse({"type": "error", "status": event.status, "detail": event.text})


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def api_router(services: ApiServices) -> APIRouter:
    """``/api/v1/ask``, ``/api/v1/feedback`` and ``/api/v1/audit/export``, behind API keys."""
    router = APIRouter(prefix=PREFIX, route_class=_Route, tags=["api"])
    bearer = HTTPBearer(auto_error=False, description="An API key from `steward keys create`.")

    async def caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
        if credentials is None:
            raise HTTPException(
                401, "missing API key: send 'Authorization: Bearer <key>'", {"WWW-Authenticate": "Bearer"}
            )
        found = await asyncio.to_thread(services.access.authenticate, credentials.credentials)
        if found is None:
            raise HTTPException(401, "invalid or revoked API key", {"WWW-Authenticate": "Bearer"})
        return found

    Authenticated = Annotated[Caller, Depends(caller)]

    @router.post("/ask", summary="Ask a question; the answer is that of `steward ask --json` plus `answer_id`")
    async def ask(body: AskRequest, who: Authenticated) -> JSONResponse:
        message = _message(body, who)
        try:
            reply = await services.pipeline.handle(message)
        except InvalidMessage as exc:
            raise HTTPException(422, str(exc)) from exc
        return JSONResponse(answer_json(reply), status_code=_STATUS.get(reply.status, 200), headers=_retry(reply))

    @router.post(
        "/ask/stream",
        summary="Ask; the answer's checked sentences as server-sent events, then the checked answer",
        response_class=StreamingResponse,
    )
    async def ask_stream(body: AskRequest, who: Authenticated) -> StreamingResponse:
        message = _message(body, who)
        try:
            message.validate()
        except InvalidMessage as exc:
            raise HTTPException(422, str(exc)) from exc
        if not services.pipeline.accepting:
            raise Stopping()
        return StreamingResponse(_events(services.pipeline, message), media_type="text/event-stream")

    @router.post("/feedback", summary="Rate an answer")
    async def feedback(body: FeedbackRequest, who: Authenticated) -> dict[str, bool]:
        rating = 1 if body.rating in ("up", 1) else -1
        record = services.commands.record_feedback
        if not await asyncio.to_thread(record, who, str(body.answer_id), rating, body.reason):
            raise HTTPException(404, "no answer with this answer_id in your tenant")
        return {"recorded": True}

    @router.get("/audit/export", summary="Export the tenant's audit events (compliance or admin key)")
    async def audit_export(
        who: Authenticated,
        fmt: Annotated[Literal["jsonl", "csv"], Query(alias="format")] = "jsonl",
        since: Annotated[datetime | None, Query(description="ISO date or time (inclusive).")] = None,
        until: Annotated[datetime | None, Query(description="ISO date or time (exclusive).")] = None,
    ) -> FileResponse:
        export = services.commands.audit_export
        try:
            path, manifest = await asyncio.to_thread(export, who, _utc(since), fmt, _utc(until))
        except NotAllowed as exc:
            raise HTTPException(403, str(exc)) from exc
        return FileResponse(
            path,
            media_type="text/csv" if fmt == "csv" else "application/x-ndjson",
            filename=path.name,
            headers={MANIFEST_HEADER: json.dumps(dataclasses.asdict(manifest), separators=(",", ":"))},
            background=BackgroundTask(shutil.rmtree, path.parent, True),
        )

    return router
