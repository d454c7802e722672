"""Settings sections owned by ``governance.policy``: roles, permissions, rate limits, audit keys, retention."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field, SecretStr

Role = Literal["admin", "compliance", "member", "guest"]
ACTIONS = ("ask", "ingest", "reindex", "export_audit", "manage_adapters", "forget_user")
DEFAULT_PERMISSIONS: dict[str, list[str]] = {
    "admin": list(ACTIONS),
    "compliance": ["ask", "export_audit", "forget_user"],
    "member": ["ask"],
    "guest": ["ask"],
}


class PolicySettings(BaseModel):
    """Role-based access: who has which role in which tenant, and what each role may do."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_POLICY_"

    roles: dict[str, dict[str, Role]] = Field(
        default_factory=dict,
        description='Roles per tenant, as JSON: {"T123": {"slack:U1": "admin", "slack:U2": "compliance"}}. '
        "Platform workspace/guild admins are admins; platform guests are guests.",
    )
    default_role: Role = Field("member", description="Role of a user not listed in `roles`.")
    permissions: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_PERMISSIONS.items()},
        description="Actions each role may take, as JSON (actions: " + ", ".join(ACTIONS) + ").",
    )


class RateLimitSettings(BaseModel):
    """Token buckets per user and per tenant, shared by every process through PostgreSQL."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_RATELIMIT_"

    enabled: bool = Field(True, description="Apply rate limits to questions.")
    user_per_minute: float = Field(10.0, gt=0, description="Questions per minute one user may sustain.")
    user_burst: int = Field(5, ge=1, description="Questions one user may ask at once before the rate applies.")
    tenant_per_minute: float = Field(120.0, gt=0, description="Questions per minute a whole tenant may sustain.")
    tenant_burst: int = Field(60, ge=1, description="Questions a tenant may ask at once before the rate applies.")


class AuditSettings(BaseModel):
    """The audit trail's keys."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_AUDIT_"

    key: SecretStr | None = Field(
        None,
        description="Secret for actor pseudonyms and export-manifest HMACs. Empty: a random key is created "
        "once in <data dir>/keys/audit.key (back it up: exports are verified with it).",
    )


class RetentionSettings(BaseModel):
    """How long each kind of data is kept (0 keeps it forever). Audit events are always kept."""

    ENV_PREFIX: ClassVar[str] = "STEWARD_RETENTION_"

    messages_days: int = Field(0, ge=0, description="Days before the text of users' questions is erased.")
    answers_days: int = Field(0, ge=0, description="Days before answer records (and their feedback) are deleted.")
    feedback_days: int = Field(0, ge=0, description="Days before feedback is deleted.")
