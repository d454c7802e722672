"""Role-based access control: a role per (tenant, user), a set of actions per role."""

from __future__ import annotations

from dataclasses import dataclass

from governance.policy.config import ACTIONS, PolicySettings


@dataclass(frozen=True)
class Subject:
    """Who is asking: tenant, ``platform:user`` id, and what the platform says about them."""

    tenant: str
    actor: str
    platform_admin: bool = False
    platform_guest: bool = False
    role: str | None = None  # a role carried by the credential itself (an API key's role)


@dataclass(frozen=True)
class Decision:
    """Allowed or not, with the role it was decided on and a user-facing reason."""

    allowed: bool
    role: str
    action: str
    reason: str = ""


class Policy:
    """Decides whether a subject may take an action."""

    def __init__(self, settings: PolicySettings) -> None:
        self._settings = settings

    def role(self, subject: Subject) -> str:
        """The credential's role; else the explicit one from settings; else the platform's flags; else the default."""
        if subject.role:
            return subject.role
        explicit = self._settings.roles.get(subject.tenant, {}).get(subject.actor)
        if explicit:
            return explicit
        if subject.platform_admin:
            return "admin"
        return "guest" if subject.platform_guest else self._settings.default_role

    def check(self, subject: Subject, action: str) -> Decision:
        """Whether ``subject`` may take ``action``."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        role = self.role(subject)
        if action in self._settings.permissions.get(role, []):
            return Decision(True, role, action)
        return Decision(False, role, action, f"your role ({role}) may not {action.replace('_', ' ')} here")
