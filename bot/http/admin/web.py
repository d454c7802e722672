"""Plumbing the admin pages share: templates, security headers, sessions, forms, date fields, static files."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.access import ApiAccess
from bot.commands import Caller
from bot.http.admin.session import COOKIE, SessionSigner

HERE = Path(__file__).parent
STATIC = HERE / "static"
CHANNEL = "admin"  # the audit log's channel for actions taken on the admin page
MAX_FORM_BYTES = 64 * 1024
# Everything is served from this app: no CDN, no inline scripts (page data is a JSON <script> block).
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
templates = Jinja2Templates(directory=HERE / "templates")


@dataclass(frozen=True)
class Session:
    """A logged-in admin: who, their cookie (for CSRF tokens) and this session's CSRF token."""

    caller: Caller
    cookie: str
    csrf: str


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A rendered template with the security headers."""
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(HEADERS)
    return response


def login_redirect() -> HTTPException:
    """Send the browser to the login form."""
    return HTTPException(303, "log in first", headers={"Location": "/admin/login"})


async def current_session(request: Request, access: ApiAccess, signer: SessionSigner) -> Session:
    """The request's session, or a redirect to the login form (no cookie, expired, or key revoked)."""
    cookie = request.cookies.get(COOKIE, "")
    key_id = signer.key_id(cookie)
    caller = await asyncio.to_thread(access.by_key_id, key_id, CHANNEL) if key_id else None
    if caller is None:
        raise login_redirect()
    return Session(caller, cookie, signer.csrf(cookie))


async def form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (first value of each field)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, "the form is too large")
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


async def checked_form(request: Request, session: Session, signer: SessionSigner) -> dict[str, str]:
    """The form of a POST from this session's own pages (403 without this session's CSRF token)."""
    fields = await form(request)
    if not signer.csrf_ok(session.cookie, fields.get("csrf", "")):
        raise HTTPException(403, "the form's CSRF token is missing or not this session's: reload the page")
    return fields


def day(value: str | None, field: str, end: bool = False) -> datetime | None:
    """A ``YYYY-MM-DD`` field as UTC midnight (``end``: the midnight after, so the day is included)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(400, f"{field} takes a date like 2026-11-01, got {value!r}") from exc
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return parsed + timedelta(days=1) if end and len(value) == 10 else parsed


def static_file(name: str) -> Path:
    """A bundled static file by name (only files directly in ``static/``)."""
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise HTTPException(404, "no such file")
    return path
