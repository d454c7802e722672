"""Appending events to the chain: one transaction per event, serialised per tenant by an advisory lock."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

from governance.audit.chain import GENESIS, ChainedEvent, canonical, chain_hash
from governance.audit.events import AuditEvent
from governance.db import TenantTx

Scrub = Callable[[str], str]

# Serialise appends per tenant (transaction-scoped advisory lock), then read the chain's head. Two statements:
# under READ COMMITTED a statement's snapshot is taken when it starts, so a head read in the same statement
# as the lock wait would miss the event the previous lock holder just committed (a duplicate seq).
_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('audit:' || :t))")
_HEAD = text("SELECT seq, hash FROM audit_events WHERE tenant_id = :t ORDER BY seq DESC LIMIT 1")
_INSERT = text(
    """
    INSERT INTO audit_events (tenant_id, seq, at, kind, actor, channel, payload, prev_hash, hash)
    VALUES (:tenant, :seq, :at, :kind, :actor, :channel, CAST(:payload AS jsonb), :prev_hash, :hash)
    """
)
_FIND_ACTOR = text(
    "SELECT pseudonym FROM audit_actors WHERE tenant_id = :t AND platform = :platform AND user_id = :user"
)
_NEW_ACTOR = text(
    "INSERT INTO audit_actors (tenant_id, pseudonym, platform, user_id) VALUES (:t, :p, :platform, :user)"
)


def _scrubbed(value: Any, scrub: Scrub) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v, scrub) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v, scrub) for v in value]
    return value


def _split_actor(actor: str) -> tuple[str, str]:
    platform, _, user = actor.partition(":")
    return (platform, user) if user else ("operator", actor)


def actor_pseudonym(conn: Connection, tenant: str, actor: str, create: bool = True) -> str | None:
    """The random pseudonym ``actor`` is recorded under in ``tenant`` (created on first use)."""
    platform, user = _split_actor(actor)
    params = {"t": tenant, "platform": platform, "user": user}
    found = conn.execute(_FIND_ACTOR, params).scalar()
    if found is not None or not create:
        return found
    name = f"u_{secrets.token_hex(10)}"
    conn.execute(_NEW_ACTOR, {**params, "p": name})
    return name


class AuditLog:
    """Writes typed events to ``audit_events``; actors are stored as random pseudonyms."""

    def __init__(self, tx: TenantTx, scrub: Scrub) -> None:
        self._tx = tx
        self._scrub = scrub

    def record(self, event: AuditEvent) -> ChainedEvent:
        """Append ``event`` to its tenant's chain and return it as stored."""
        with self._tx(event.tenant) as conn:
            return self.append(conn, event)

    def append(self, conn: Connection, event: AuditEvent) -> ChainedEvent:
        """Append inside the caller's transaction (so the event commits or rolls back with its action)."""
        conn.execute(_LOCK, {"t": event.tenant})
        head = conn.execute(_HEAD, {"t": event.tenant}).first()
        seq, prev = (int(head.seq) + 1, str(head.hash)) if head is not None else (1, GENESIS)
        actor = actor_pseudonym(conn, event.tenant, event.actor) or ""
        stored = self._chained(event, seq, prev, actor)
        conn.execute(
            _INSERT,
            {
                **stored.content(),
                "payload": _json(stored.payload),
                "at": stored.at,
                "prev_hash": stored.prev_hash,
                "hash": stored.hash,
            },
        )
        return stored

    def _chained(self, event: AuditEvent, seq: int, prev: str, actor: str) -> ChainedEvent:
        at = datetime.now(UTC)
        payload = _scrubbed(event.payload(), self._scrub)
        channel = self._scrub(event.channel)
        draft = ChainedEvent(event.tenant, seq, at, event.kind, actor, channel, payload, prev, "")
        return dataclasses.replace(draft, hash=chain_hash(prev, draft.content()))


def _json(value: Any) -> str:
    return canonical(value).decode()
