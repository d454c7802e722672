"""Per-tenant API keys: only a SHA-256 hash and a short prefix are stored; the key is shown once.

Keys are 32 random bytes (``stw_<urlsafe base64>``), so a fast hash is enough: there is nothing to
brute-force. A request's key is hashed and looked up by that hash (the database compares hashes, not
secrets), and the stored hash is compared once more in constant time before the key is accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text

from bot.db.database import Database
from governance.audit.events import ApiKeyChanged
from governance.audit.log import AuditLog

KEY_PREFIX = "stw_"
SHOWN_CHARS = 12  # "stw_" and 8 more characters: enough to tell keys apart in a listing, useless to guess with
_INSERT = text(
    """
    INSERT INTO api_keys (id, tenant_id, role, name, prefix, key_hash)
    VALUES (:id, :tenant, :role, :name, :prefix, :hash)
    RETURNING id, tenant_id, role, name, prefix, created_at, last_used_at, revoked_at
    """
)
_USE = text(
    """
    UPDATE api_keys SET last_used_at = now() WHERE key_hash = :hash AND revoked_at IS NULL
    RETURNING key_hash, id, tenant_id, role, name, prefix, created_at, last_used_at, revoked_at
    """
)
_GET = text(
    """
    SELECT id, tenant_id, role, name, prefix, created_at, last_used_at, revoked_at
    FROM api_keys WHERE id = :id AND revoked_at IS NULL
    """
)
_LIST = text(
    """
    SELECT id, tenant_id, role, name, prefix, created_at, last_used_at, revoked_at
    FROM api_keys WHERE (CAST(:tenant AS text) IS NULL OR tenant_id = :tenant) ORDER BY tenant_id, created_at
    """
)
_REVOKE = text(
    """
    UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
    WHERE tenant_id = :tenant AND (CAST(id AS text) = :ref OR prefix = :ref)
    RETURNING id, tenant_id, role, name, prefix, created_at, last_used_at, revoked_at
    """
)


class ApiKeyError(ValueError):
    """A key cannot be created or revoked as asked; the message says why."""


@dataclass(frozen=True)
class ApiKey:
    """One key as stored (never the key itself)."""

    id: uuid.UUID
    tenant: str
    role: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _key(row: Any) -> ApiKey:
    return ApiKey(
        row.id, row.tenant_id, row.role, row.name, row.prefix, row.created_at, row.last_used_at, row.revoked_at
    )


def key_hash(secret: str) -> str:
    """The stored form of a key: hex SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyStore:
    """Creates, lists, revokes and authenticates keys; creation and revocation are audited."""

    def __init__(self, database: Database, audit: AuditLog, roles: tuple[str, ...]) -> None:
        self._database = database
        self._audit = audit
        self._roles = roles

    def create(self, tenant: str, role: str, name: str, actor: str) -> tuple[ApiKey, str]:
        """A new key for ``tenant`` with ``role``; returns it stored and the secret (shown once)."""
        if not tenant.strip():
            raise ApiKeyError("a tenant is required")
        if role not in self._roles:
            raise ApiKeyError(f"unknown role {role!r}: one of {', '.join(self._roles)}")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        params = {"id": uuid.uuid4(), "tenant": tenant, "role": role, "name": name, "prefix": secret[:SHOWN_CHARS]}
        with self._database.engine.begin() as conn:
            key = _key(conn.execute(_INSERT, {**params, "hash": key_hash(secret)}).one())
            self._audit.append(conn, self._event(key, "create", actor))
        return key, secret

    def revoke(self, tenant: str, ref: str, actor: str) -> ApiKey:
        """Revoke the tenant's key with this id or prefix (revoking twice keeps the first time)."""
        with self._database.engine.begin() as conn:
            rows = conn.execute(_REVOKE, {"tenant": tenant, "ref": ref}).all()
            if len(rows) != 1:
                problem = "no key" if not rows else f"{len(rows)} keys"
                raise ApiKeyError(f"{problem} in tenant {tenant!r} with id or prefix {ref!r}")
            key = _key(rows[0])
            self._audit.append(conn, self._event(key, "revoke", actor))
        return key

    def list(self, tenant: str | None = None) -> list[ApiKey]:
        """Every key (revoked ones too) of one tenant, or of all tenants."""
        with self._database.engine.begin() as conn:
            return [_key(r) for r in conn.execute(_LIST, {"tenant": tenant}).all()]

    def authenticate(self, secret: str) -> ApiKey | None:
        """The live key ``secret`` is, recording its use; None for an unknown or revoked key."""
        if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
            return None
        digest = key_hash(secret)
        with self._database.engine.begin() as conn:
            row = conn.execute(_USE, {"hash": digest}).first()
        if row is None or not hmac.compare_digest(row.key_hash, digest):
            return None
        return _key(row)

    def get(self, key_id: str) -> ApiKey | None:
        """A live key by id (sessions re-check their key on every request), or None."""
        try:
            ident = uuid.UUID(key_id)
        except ValueError:
            return None
        with self._database.engine.begin() as conn:
            row = conn.execute(_GET, {"id": ident}).first()
        return _key(row) if row else None

    @staticmethod
    def _event(key: ApiKey, action: str, actor: str) -> ApiKeyChanged:
        return ApiKeyChanged(
            tenant=key.tenant,
            actor=actor,
            action=action,
            key_id=str(key.id),
            prefix=key.prefix,
            role=key.role,
            name=key.name,
        )
