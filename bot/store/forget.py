"""Forgetting a user: their questions, answers and feedback go; their audit events stay, unlinkable."""

from __future__ import annotations

from sqlalchemy import Connection, text

from bot.db.database import Database
from governance.audit.events import UserForgotten
from governance.audit.log import AuditLog, actor_pseudonym

_DELETES = {
    "feedback": "DELETE FROM feedback WHERE platform = :platform AND user_id = :user",
    "answers": """
        DELETE FROM answers a USING conversations c
        WHERE a.conversation_id = c.id AND c.platform = :platform AND a.user_id = :user
    """,
    "conversations": """
        DELETE FROM conversations c WHERE c.platform = :platform AND c.started_by = :user
          AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.conversation_id = c.id)
    """,
    "rate_buckets": "DELETE FROM rate_buckets WHERE key = 'user:' || :tenant || ':' || :platform || ':' || :user",
    "audit_link": "DELETE FROM audit_actors WHERE platform = :platform AND user_id = :user",
}


def _erase(conn: Connection, tenant: str, platform: str, user: str) -> dict[str, int]:
    params = {"tenant": tenant, "platform": platform, "user": user}
    return {kind: int(conn.execute(text(sql), params).rowcount or 0) for kind, sql in _DELETES.items()}


def forget_user(database: Database, audit: AuditLog, tenant: str, actor: str, operator: str) -> UserForgotten:
    """Erase ``actor`` (``platform:user``) from ``tenant`` in one transaction, and audit it."""
    platform, _, user = actor.partition(":")
    if not user:
        raise ValueError("the user must be given as platform:user (e.g. slack:U0123)")
    with database.tenant_connection(tenant) as conn:
        subject = actor_pseudonym(conn, tenant, actor, create=False) or "(never audited)"
        removed = _erase(conn, tenant, platform, user)
        event = UserForgotten(tenant=tenant, actor=operator, subject=subject, removed=removed)
        audit.append(conn, event)
    return event
