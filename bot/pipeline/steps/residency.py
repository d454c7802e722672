"""Data residency: mark requests that must stay on local models. The model router obeys the flag."""

from __future__ import annotations

from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn


class ResidencyStep:
    """Restricted tenants and channels never reach a hosted model (PII detection adds to this later)."""

    name = "residency"

    def __init__(self, restricted_tenants: list[str], restricted_channels: list[str]) -> None:
        self._tenants = set(restricted_tenants)
        self._channels = set(restricted_channels)

    async def __call__(self, turn: Turn) -> Reply | None:
        """Set ``turn.restricted`` (never clears a flag an earlier step set)."""
        msg = turn.message
        if msg.tenant in self._tenants or f"{msg.platform}:{msg.channel}" in self._channels:
            turn.restricted = True
            turn.restricted_reasons.append("restricted tenant or channel")
        return None
