"""The admin page's quarantine tab (``/admin/quarantine``): text held back at ingest, and releasing it.

Lists the session's tenant's held-back (and recently released) text, PII-redacted, with why it was held
back; **Release** puts a span back into its chunk, re-embedded, through the same governed service as
``steward quarantine release`` (policy, then a ``quarantine_release`` audit event).
"""

# No `from __future__ import annotations` here: FastAPI must evaluate the closures' Annotated dependencies.
import asyncio
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.access import ApiAccess
from bot.admin import NotAllowed
from bot.http.admin.session import SessionSigner
from bot.http.admin.web import Session, checked_form, current_session, page
from bot.quarantine import Quarantine
from bot.store.quarantine import QuarantineError, parse_id

PATH = "/admin/quarantine"


@dataclass(frozen=True)
class QuarantineWeb:
    """What the quarantine tab is given by the composition root."""

    access: ApiAccess
    quarantine: Quarantine
    signer: SessionSigner


def quarantine_router(services: QuarantineWeb) -> APIRouter:
    """``/admin/quarantine`` (list) and ``/admin/quarantine/release`` (POST, CSRF-checked)."""
    router = APIRouter(prefix=PATH, include_in_schema=False)

    async def session(request: Request) -> Session:
        return await current_session(request, services.access, services.signer)

    LoggedIn = Annotated[Session, Depends(session)]

    @router.get("", response_class=HTMLResponse)
    async def listing(request: Request, who: LoggedIn, collection: str = "", msg: str = "") -> HTMLResponse:
        subject, scope = who.caller.subject, collection.strip() or None
        try:
            held = await asyncio.to_thread(services.quarantine.list, subject, None, scope)
            released = await asyncio.to_thread(services.quarantine.list, subject, None, scope, True)
        except NotAllowed as exc:
            return page(request, "error.html", {"s": who, "message": str(exc)}, 403)
        context = {"s": who, "held": held, "released": released, "collection": collection, "msg": msg}
        return page(request, "quarantine.html", context)

    @router.post("/release")
    async def release(request: Request, who: LoggedIn) -> Response:
        fields = await checked_form(request, who, services.signer)
        try:
            row = await asyncio.to_thread(
                services.quarantine.release, who.caller.subject, parse_id(fields.get("id", ""))
            )
        except NotAllowed as exc:
            return page(request, "error.html", {"s": who, "message": str(exc)}, 403)
        except QuarantineError as exc:
            return RedirectResponse(f"{PATH}?msg={quote(str(exc))}", status_code=303)
        done = f"released: {row.source}#{row.chunk_index} is searchable with it again"
        return RedirectResponse(f"{PATH}?msg={quote(done)}", status_code=303)

    return router
