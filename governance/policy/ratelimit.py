"""Token buckets kept in PostgreSQL, so limits hold across processes and restarts.

One statement refills and takes a token atomically (``INSERT .. ON CONFLICT DO UPDATE .. WHERE``);
the user's and the tenant's buckets are taken in one transaction, so a refusal takes neither.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Connection, text

from governance.db import TenantTx
from governance.policy.config import RateLimitSettings

_TAKE = text(
    """
    INSERT INTO rate_buckets AS b (key, tenant_id, tokens, updated_at)
    VALUES (:key, :tenant, :capacity - 1, clock_timestamp())
    ON CONFLICT (key) DO UPDATE SET
        tokens = LEAST(:capacity, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * :rate) - 1,
        updated_at = clock_timestamp()
    WHERE LEAST(:capacity, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * :rate) >= 1
    RETURNING tokens
    """
)
_LEVEL = text(
    """
    SELECT LEAST(:capacity, tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at) * :rate) AS tokens
    FROM rate_buckets WHERE key = :key
    """
)


@dataclass(frozen=True)
class Bucket:
    """A bucket's identity and shape: ``rate`` tokens per second up to ``capacity``."""

    key: str
    capacity: int
    rate: float


@dataclass(frozen=True)
class Limit:
    """The outcome: allowed, or which bucket was empty and when to try again."""

    allowed: bool
    bucket: str = ""
    retry_in_s: float = 0.0

    @property
    def message(self) -> str:
        """The user-facing refusal."""
        return f"You're asking faster than this {self.bucket} may: try again in {math.ceil(self.retry_in_s)} s."


class _Refused(Exception):
    def __init__(self, limit: Limit) -> None:
        self.limit = limit


class RateLimiter:
    """Takes one token from the user's and the tenant's bucket, or neither."""

    def __init__(self, tx: TenantTx, settings: RateLimitSettings) -> None:
        self._tx = tx
        self._settings = settings

    def buckets(self, tenant: str, actor: str) -> list[Bucket]:
        """The buckets one question draws from."""
        s = self._settings
        return [
            Bucket(f"user:{tenant}:{actor}", s.user_burst, s.user_per_minute / 60),
            Bucket(f"tenant:{tenant}", s.tenant_burst, s.tenant_per_minute / 60),
        ]

    def take(self, tenant: str, actor: str) -> Limit:
        """Allow one question, or say which limit refused it and for how long."""
        if not self._settings.enabled:
            return Limit(True)
        try:
            with self._tx(tenant) as conn:
                # A bucket lost in a crash only refills early: no need to wait for the WAL flush.
                conn.execute(text("SET LOCAL synchronous_commit = off"))
                for bucket in self.buckets(tenant, actor):
                    self._take_one(conn, tenant, bucket)
        except _Refused as refused:
            return refused.limit
        return Limit(True)

    def _take_one(self, conn: Connection, tenant: str, bucket: Bucket) -> None:
        params = {"key": bucket.key, "tenant": tenant, "capacity": bucket.capacity, "rate": bucket.rate}
        if conn.execute(_TAKE, params).first() is None:
            level = float(conn.execute(_LEVEL, params).scalar_one())
            kind = "user" if bucket.key.startswith("user:") else "workspace"
            raise _Refused(Limit(False, kind, max(0.0, (1 - level) / bucket.rate)))
