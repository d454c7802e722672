"""Signed, expiring admin sessions and the CSRF tokens derived from them (no server-side state).

A session cookie is ``<key id>.<expiry>.<HMAC>``: it names the API key that logged in, never the key
itself, and every request re-checks that key (a revoked key ends its sessions at once). The CSRF token
of a form is an HMAC of the session cookie, so it is valid for that session only.
"""

from __future__ import annotations

import hashlib
import hmac
import time

COOKIE = "steward_admin"


class SessionSigner:
    """Issues and checks session cookies and CSRF tokens with one secret."""

    def __init__(self, secret: bytes, minutes: int) -> None:
        self._secret = secret
        self._seconds = minutes * 60

    @property
    def max_age(self) -> int:
        """Seconds a session lasts."""
        return self._seconds

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def issue(self, key_id: str, now: float | None = None) -> str:
        """A cookie value for ``key_id``, valid for the session lifetime."""
        expires = int((now if now is not None else time.time()) + self._seconds)
        body = f"{key_id}.{expires}"
        return f"{body}.{self._mac('session', body)}"

    def key_id(self, cookie: str | None, now: float | None = None) -> str | None:
        """The key id of a valid, unexpired cookie; None otherwise."""
        if not cookie or cookie.count(".") != 2:
            return None
        key_id, expires, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac("session", f"{key_id}.{expires}")):
            return None
        if not expires.isdigit() or int(expires) < (now if now is not None else time.time()):
            return None
        return key_id

    def csrf(self, cookie: str) -> str:
        """The CSRF token for forms in this session."""
        return self._mac("csrf", cookie)

    def csrf_ok(self, cookie: str, token: str) -> bool:
        """Whether ``token`` is this session's CSRF token."""
        return hmac.compare_digest(self.csrf(cookie), token)
