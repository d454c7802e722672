"""The web admin page (``/admin``): server-rendered, behind an admin-role API key.

Log in with the key once; the page keeps a signed, HttpOnly, SameSite=Strict session cookie. Plots of
how answering goes, an audit search with export, and the adapter registry with gated promotion, a
forced activation that needs a reason, and rollback — each action through the same governed services
as the CLI and the chat commands (policy, then audit).
"""

# No `from __future__ import annotations` here: FastAPI must evaluate the closures' Annotated dependencies.
import asyncio
import io
import shutil
import zipfile
from concurrent.futures import wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from agents.models.adapters import AdapterError, AdapterRegistry
from bot.access import ApiAccess
from bot.admin import BASE, Admin, NotAllowed
from bot.commands import Commands
from bot.db.database import Database
from bot.http.admin.charts import daily_charts, recall_chart
from bot.http.admin.promotions import Promotions
from bot.http.admin.session import COOKIE, SessionSigner
from bot.http.admin.web import CHANNEL, Session, checked_form, current_session, day, form, page, static_file
from bot.store.dashboard import AuditQuery, daily, eval_trend, search_audit
from governance.audit.events import EVENT_TYPES
from governance.audit.export import manifest_path

DASHBOARD_DAYS = 30
KINDS = sorted(e.kind for e in EVENT_TYPES)
PROMOTE_WAIT_S = 10  # a promotion that reuses a stored gate report is decided within this; the gate itself is not


@dataclass(frozen=True)
class AdminServices:
    """What the admin page is given by the composition root."""

    access: ApiAccess
    commands: Commands
    admin: Admin
    adapters: AdapterRegistry
    database: Database
    signer: SessionSigner
    promotions: Promotions
    secure_cookies: bool = False


def _zip(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in (path, manifest_path(path)):
            archive.write(part, part.name)
    shutil.rmtree(path.parent, ignore_errors=True)
    return buffer.getvalue()


def _back(path: str, message: str, focus: str = "") -> RedirectResponse:
    return RedirectResponse(f"{path}?msg={quote(message)}&focus={quote(focus)}", status_code=303)


def admin_router(services: AdminServices) -> APIRouter:
    """The ``/admin`` pages."""
    router = APIRouter(prefix="/admin", include_in_schema=False)
    signer = services.signer

    async def session(request: Request) -> Session:
        return await current_session(request, services.access, signer)

    LoggedIn = Annotated[Session, Depends(session)]

    @router.get("/static/{name}")
    async def static(name: str) -> FileResponse:
        return FileResponse(static_file(name), headers={"Cache-Control": "max-age=3600"})

    @router.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> HTMLResponse:
        return page(request, "login.html", {"error": ""})

    @router.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        key = (await form(request)).get("key", "").strip()
        caller = await asyncio.to_thread(services.access.authenticate, key, CHANNEL) if key else None
        if caller is None:
            return page(request, "login.html", {"error": "That key is not valid (or was revoked)."}, 401)
        try:
            await asyncio.to_thread(services.access.require_role, caller, "admin", "open_admin_page")
        except NotAllowed as exc:
            return page(request, "login.html", {"error": f"Refused: {exc}."}, 403)
        response = RedirectResponse("/admin", status_code=303)
        response.set_cookie(
            COOKIE,
            signer.issue(caller.user),
            max_age=signer.max_age,
            path="/admin",
            httponly=True,
            samesite="strict",
            secure=services.secure_cookies,
        )
        return response

    @router.post("/logout")
    async def logout(request: Request, who: LoggedIn) -> RedirectResponse:
        await checked_form(request, who, signer)
        response = RedirectResponse("/admin/login", status_code=303)
        response.delete_cookie(COOKIE, path="/admin")
        return response

    @router.get("", response_class=HTMLResponse)
    async def dashboard(request: Request, who: LoggedIn) -> HTMLResponse:
        tenant = who.caller.tenant
        since = datetime.now(UTC) - timedelta(days=DASHBOARD_DAYS)
        days = await asyncio.to_thread(daily, services.database, tenant, since)
        runs = await asyncio.to_thread(eval_trend, services.database, tenant)
        charts = [*daily_charts(days), recall_chart(runs)]
        return page(request, "dashboard.html", {"s": who, "charts": charts, "days": DASHBOARD_DAYS})

    @router.get("/audit", response_class=HTMLResponse)
    async def audit(
        request: Request, who: LoggedIn, kind: str = "", actor: str = "", since: str = "", until: str = ""
    ) -> HTMLResponse:
        query = AuditQuery(kind or None, actor.strip() or None, day(since, "since"), day(until, "until", end=True))
        events = await asyncio.to_thread(search_audit, services.database, who.caller.tenant, query)
        fields = {"kind": kind, "actor": actor, "since": since, "until": until}
        return page(request, "audit.html", {"s": who, "events": events, "kinds": KINDS, "q": fields})

    @router.post("/audit/export")
    async def export(request: Request, who: LoggedIn) -> Response:
        fields = await checked_form(request, who, signer)
        fmt: Literal["jsonl", "csv"] = "csv" if fields.get("format") == "csv" else "jsonl"
        start, end = day(fields.get("since"), "since"), day(fields.get("until"), "until", end=True)
        try:
            path, _ = await asyncio.to_thread(services.commands.audit_export, who.caller, start, fmt, end)
        except NotAllowed as exc:
            return page(request, "error.html", {"s": who, "message": str(exc)}, 403)
        data = await asyncio.to_thread(_zip, path)
        headers = {"Content-Disposition": f'attachment; filename="{path.stem}.zip"', "Cache-Control": "no-store"}
        return Response(data, media_type="application/zip", headers=headers)

    @router.get("/adapters", response_class=HTMLResponse)
    async def adapters(request: Request, who: LoggedIn, msg: str = "", focus: str = "") -> HTMLResponse:
        listed = await asyncio.to_thread(services.adapters.list)
        context = {
            "s": who,
            "adapters": listed,
            "base": services.adapters.base_model,
            "serving": next((a.name for a in listed if a.active), BASE),
            "attempts": services.promotions.attempts(),
            "msg": msg,
            "focus": focus,
        }
        return page(request, "adapters.html", context)

    @router.post("/adapters/promote")
    async def promote(request: Request, who: LoggedIn) -> Response:
        name = (await checked_form(request, who, signer)).get("name", "").strip()
        if not name:
            return _back("/admin/adapters", "choose an adapter to promote")
        try:  # before anything slow: a refused click must not start the gate
            await asyncio.to_thread(services.admin.authorize_adapters, who.caller.subject)
        except NotAllowed as exc:
            return page(request, "error.html", {"s": who, "message": str(exc)}, 403)
        attempt = services.promotions.submit(who.caller.subject, name)
        await asyncio.to_thread(wait, [attempt.future], PROMOTE_WAIT_S)
        return _back("/admin/adapters", attempt.message(), focus=name)

    @router.post("/adapters/force")
    async def force(request: Request, who: LoggedIn) -> Response:
        fields = await checked_form(request, who, signer)
        name = fields.get("name", "").strip() or None
        try:
            await asyncio.to_thread(services.admin.force_adapter, who.caller.subject, name, fields.get("reason", ""))
        except NotAllowed as exc:
            return page(request, "error.html", {"s": who, "message": str(exc)}, 403)
        except AdapterError as exc:
            return _back("/admin/adapters", str(exc))
        return _back("/admin/adapters", f"{name or 'the base model'} is now active WITHOUT the evaluation gate")

    @router.post("/adapters/rollback")
    async def rollback(request: Request, who: LoggedIn) -> Response:
        await checked_form(request, who, signer)
        try:
            previous = await asyncio.to_thread(services.admin.rollback_adapter, who.caller.subject)
        except NotAllowed as exc:
            return page(request, "error.html", {"s": who, "message": str(exc)}, 403)
        except AdapterError as exc:
            return _back("/admin/adapters", str(exc))
        return _back("/admin/adapters", f"rolled back: {previous or 'the base model'} is active again")

    return router
