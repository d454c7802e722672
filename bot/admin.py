"""Governed admin actions (ingest, reindex, channel mappings, adapters): policy-checked and audited.

The CLI, Slack slash commands and Discord commands all go through here, so every change to what
Steward knows or how it answers lands on the audit chain with who did it.
"""

from __future__ import annotations

from collections.abc import Callable

from agents.collections import Collections
from agents.eval.results import GateReport
from agents.ingestion.ingest import Ingestor, IngestReport
from agents.ingestion.reindex import Reindexer, ReindexReport
from agents.models.adapters import AdapterError, AdapterRegistry
from bot.ingest_screen import quarantine_events
from governance.audit.events import (
    AdapterForceActivated,
    AdapterPromoted,
    AdapterPromotionRefused,
    ConfigChanged,
    Ingested,
    PolicyDenied,
    Reindexed,
)
from governance.audit.log import AuditLog
from governance.policy.rbac import Policy, Subject

Progress = Callable[[str, str], None]
OPERATOR_TENANT = "*"  # the audit chain for operator actions that span tenants
BASE = "(base)"  # the base model, where an adapter name is expected
UNGATED = "activated directly (steward adapters activate|deactivate|register --activate), without the gate"


class NotAllowed(PermissionError):
    """The subject's role does not allow the action; the message says so, for the user."""


class Admin:
    """Runs admin actions for a subject after checking policy; records each in the audit log."""

    def __init__(
        self,
        ingestor: Ingestor,
        reindexer: Reindexer,
        collections: Collections,
        adapters: AdapterRegistry,
        policy: Policy,
        audit: AuditLog,
    ) -> None:
        self._ingestor = ingestor
        self._reindexer = reindexer
        self._collections = collections
        self._adapters = adapters
        self._policy = policy
        self._audit = audit

    def _allow(self, who: Subject, action: str) -> None:
        decision = self._policy.check(who, action)
        if not decision.allowed:
            event = PolicyDenied(
                tenant=who.tenant, actor=who.actor, action=action, role=decision.role, reason=decision.reason
            )
            self._audit.record(event)
            raise NotAllowed(decision.reason)

    def ingest(
        self, who: Subject, targets: list[str], collection: str, progress: Progress | None = None
    ) -> IngestReport:
        """Ingest paths or URLs into one of the subject's tenant's collections."""
        self._allow(who, "ingest")
        report = self._ingestor.ingest(targets, who.tenant, collection, progress)
        self._audit.record(
            Ingested(
                tenant=who.tenant,
                actor=who.actor,
                collection=collection,
                source=", ".join(targets)[:500],
                added=len(report.added),
                updated=len(report.updated),
                unchanged=len(report.unchanged),
                skipped=len(report.skipped) + len(report.failed),
            )
        )
        for event in quarantine_events(who.actor, report, "ingest"):
            self._audit.record(event)
        return report

    def reindex(self, who: Subject, tenant: str | None, source: str | None = None) -> ReindexReport:
        """Re-index one tenant (or, for an operator, every tenant)."""
        self._allow(who, "reindex")
        report = self._reindexer.run(tenant, source)
        self._audit.record(
            Reindexed(
                tenant=tenant or OPERATOR_TENANT,
                actor=who.actor,
                collection=source or "*",
                checked=report.checked,
                updated=len(report.ingest.updated),
                removed=len(report.removed),
            )
        )
        for event in quarantine_events(who.actor, report.ingest, "reindex"):
            self._audit.record(event)
        return report

    def map_channel(self, who: Subject, platform: str, channel: str, collection: str, on: bool = True) -> bool:
        """Map (or unmap) a channel to a collection; returns whether anything changed."""
        self._allow(who, "ingest")
        if on:
            self._collections.map_channel(who.tenant, platform, channel, collection)
            changed = True
        else:
            changed = self._collections.unmap_channel(who.tenant, platform, channel, collection)
        verb = "map" if on else "unmap"
        self._audit.record(
            ConfigChanged(
                tenant=who.tenant,
                actor=who.actor,
                channel=f"{platform}:{channel}",
                key=f"channel.{verb}",
                value=collection,
            )
        )
        return changed

    def authorize_adapters(self, who: Subject) -> None:
        """Raise ``NotAllowed`` (and audit the denial) unless ``who`` may manage adapters.

        Callers check this before slow work on their behalf, such as running the evaluation gate.
        """
        self._allow(who, "manage_adapters")

    def serving(self) -> str:
        """The name of the adapter that serves now, or ``BASE``."""
        active = self._adapters.active()
        return active.name if active else BASE

    def promote_adapter(self, who: Subject, name: str, report: GateReport) -> bool:
        """Activate ``name`` if ``report``, made against the adapter that serves now, promotes it.

        A promotion is audited as ``adapter_promoted`` with the gate report, a refusal as
        ``adapter_refused`` with its reasons; a report against another adapter is an error.
        """
        self._allow(who, "manage_adapters")
        serving = self.serving()
        if report.current.name != serving:
            raise AdapterError(
                f"the gate compared {name} with {report.current.name}, but {serving} serves now: evaluate it again"
            )
        if not report.promoted:
            refused = AdapterPromotionRefused(
                tenant=OPERATOR_TENANT,
                actor=who.actor,
                adapter=name,
                against=serving,
                reasons=list(report.reasons),
                deltas=dict(report.deltas),
            )
            self._audit.record(refused)
            return False
        self._adapters.activate(name)
        metrics = {**self._adapters.get(name).metrics, "gate": report.as_json()}
        self._audit.record(AdapterPromoted(tenant=OPERATOR_TENANT, actor=who.actor, adapter=name, metrics=metrics))
        return True

    def force_adapter(self, who: Subject, name: str | None, reason: str) -> None:
        """Make ``name`` (None: the base model) active WITHOUT the gate: an override, audited with its reason."""
        self._allow(who, "manage_adapters")
        reason = " ".join(reason.split())[:500]
        if not reason:
            raise AdapterError("activating without the evaluation gate needs a reason")
        gate = (self._adapters.get(name).metrics.get("gate") or {}).get("decision", "") if name else ""
        previous = self.serving()
        self._adapters.activate(name)
        event = AdapterForceActivated(
            tenant=OPERATOR_TENANT, actor=who.actor, adapter=name or BASE, previous=previous, reason=reason, gate=gate
        )
        self._audit.record(event)

    def activate_adapter(self, who: Subject, name: str | None, reason: str = UNGATED) -> None:
        """Make ``name`` (None: the base model) active without the gate (``force_adapter``, audited as such)."""
        self.force_adapter(who, name, reason)

    def rollback_adapter(self, who: Subject) -> str | None:
        """Re-activate the adapter that was active before the current one; returns its name (None: base)."""
        self._allow(who, "manage_adapters")
        previous = self._adapters.previous()
        self._adapters.activate(previous)
        self._audit.record(
            AdapterPromoted(
                tenant=OPERATOR_TENANT, actor=who.actor, adapter=previous or BASE, metrics={"rollback": True}
            )
        )
        return previous

    def set_canary(self, who: Subject, name: str | None, percent: int) -> None:
        """Send ``percent`` of answers to candidate ``name`` (0 or None ends the canary)."""
        self._allow(who, "manage_adapters")
        self._adapters.set_canary(name, percent)
        self._audit.record(
            ConfigChanged(
                tenant=OPERATOR_TENANT, actor=who.actor, key="adapters.canary", value=f"{name or '-'}:{percent}%"
            )
        )
