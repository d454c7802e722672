"""Who an HTTP request is: an API key becomes a :class:`~bot.commands.Caller` on platform ``api``.

The key's tenant is the caller's tenant, the key's id is the user (so the audit log and rate limits see
one actor per key) and the key's role is the caller's role. Role checks that are not one of the policy's
actions (opening the admin page) are decided and audited here, like the policy's own denials.
"""

from __future__ import annotations

from bot.admin import NotAllowed
from bot.commands import Caller
from bot.store.api_keys import ApiKey, ApiKeyStore
from governance.audit.events import PolicyDenied
from governance.audit.log import AuditLog
from governance.policy.rbac import Policy

PLATFORM = "api"


def caller_of(key: ApiKey, channel: str = PLATFORM, thread: str | None = None) -> Caller:
    """The caller an API key acts as."""
    return Caller(PLATFORM, key.tenant, channel, str(key.id), thread=thread, role=key.role)


class ApiAccess:
    """Turns API keys into callers and checks roles; denials are audited."""

    def __init__(self, keys: ApiKeyStore, policy: Policy, audit: AuditLog) -> None:
        self._keys = keys
        self._policy = policy
        self._audit = audit

    def authenticate(self, secret: str, channel: str = PLATFORM) -> Caller | None:
        """The caller for a live key, or None (unknown or revoked)."""
        key = self._keys.authenticate(secret)
        return caller_of(key, channel) if key else None

    def by_key_id(self, key_id: str, channel: str = PLATFORM) -> Caller | None:
        """The caller for a live key by its id (a session names its key), or None once it is revoked."""
        key = self._keys.get(key_id)
        return caller_of(key, channel) if key else None

    def require_role(self, caller: Caller, role: str, action: str) -> None:
        """Raise ``NotAllowed`` (after auditing the denial) unless the caller has ``role``."""
        actual = self._policy.role(caller.subject)
        if actual == role:
            return
        reason = f"your role ({actual}) may not {action.replace('_', ' ')}: it needs a key with the {role} role"
        event = PolicyDenied(
            tenant=caller.tenant,
            actor=caller.subject.actor,
            channel=caller.channel,
            action=action,
            role=actual,
            reason=reason,
        )
        self._audit.record(event)
        raise NotAllowed(reason)
