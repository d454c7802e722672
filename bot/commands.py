"""Chat commands, platform-neutral: what Slack's ``/steward`` and Discord's app commands do.

Adapters parse their payloads into a :class:`Caller` and plain arguments, call one method, and render
the plain result. Every command is policy-checked and audited (ask through the pipeline; ingest through
``bot.admin``; the rest here).
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from agents.collections import Collections
from agents.ingestion.ingest import IngestReport
from bot.admin import Admin, NotAllowed, Progress
from bot.compliance import export_audit
from bot.db.database import Database
from bot.pipeline.message import IncomingMessage, Reply
from bot.pipeline.pipeline import Pipeline
from bot.store.answers import question_of
from bot.store.feedback import FeedbackStore, Vote
from bot.store.forget import forget_user
from governance.audit.events import PolicyDenied
from governance.audit.export import Manifest
from governance.audit.log import AuditLog
from governance.audit.reader import EventFilter
from governance.policy.rbac import Policy, Subject

HELP = """*Steward* answers from your team's documents, with citations.
• Mention me in a channel, DM me, or reply in a thread I'm in.
• `ask <question>`: ask here, privately.
• `sources`: the documents this channel can search.
• `ingest <url>` (admins): add a document; files shared with me are ingested too.
• `forget-me`: erase your questions, answers and feedback.
• `audit-export [since]` (compliance): the audit log, sent to you as a file.
Answers are checked against their sources; 👍/👎 tells us what helped."""


@dataclass(frozen=True)
class Caller:
    """Who runs a command, where: the platform's ids plus its admin/guest flags."""

    platform: str
    tenant: str
    channel: str
    user: str
    platform_admin: bool = False
    platform_guest: bool = False
    thread: str | None = None
    role: str | None = None  # the role an API key carries (chat platforms leave it to policy settings)

    @property
    def subject(self) -> Subject:
        """The policy subject."""
        return Subject(self.tenant, f"{self.platform}:{self.user}", self.platform_admin, self.platform_guest, self.role)

    def message(self, text: str) -> IncomingMessage:
        """A question from this caller, for the pipeline."""
        return IncomingMessage(
            self.platform,
            self.tenant,
            self.channel,
            self.user,
            text,
            self.thread,
            platform_admin=self.platform_admin,
            platform_guest=self.platform_guest,
            role=self.role,
        )


@dataclass(frozen=True)
class Source:
    """A document the channel can search."""

    collection: str
    title: str
    source: str


class Commands:
    """The command implementations; constructed once by the composition root."""

    def __init__(
        self,
        pipeline: Pipeline,
        admin: Admin,
        collections: Collections,
        database: Database,
        audit: AuditLog,
        audit_key: bytes,
        policy: Policy,
        export_dir: Path,
        feedback: FeedbackStore,
    ) -> None:
        self._pipeline = pipeline
        self._admin = admin
        self._collections = collections
        self._database = database
        self._audit = audit
        self._key = audit_key
        self._policy = policy
        self._export_dir = export_dir
        self._feedback = feedback

    async def ask(self, caller: Caller, question: str) -> Reply:
        """Answer through the governed pipeline (``InvalidMessage`` for an empty or over-long question)."""
        return await self._pipeline.handle(caller.message(question))

    async def regenerate(self, caller: Caller, answer_id: str) -> Reply | None:
        """Answer an earlier question again (the 🔄 button); None when the answer is unknown here.

        The new answer records which one it regenerates, so a 👎 then 👍 pair becomes preference data.
        """
        question = question_of(self._database, caller.tenant, answer_id)
        if question is None:
            return None
        message = dataclasses.replace(caller.message(question), regenerate_of=answer_id)
        return await self._pipeline.handle(message)

    def record_feedback(self, caller: Caller, answer_id: str, rating: int, reason: str = "") -> bool:
        """The one feedback entry point both adapters call (👍 = 1, 👎 = -1, optional reason)."""
        return self._feedback.record(Vote(caller.tenant, answer_id, caller.platform, caller.user, rating, reason))

    def ingest(
        self, caller: Caller, targets: list[str], collection: str, progress: Progress | None = None
    ) -> IngestReport:
        """Ingest URLs or downloaded files into a collection (admins only; ``NotAllowed`` otherwise)."""
        return self._admin.ingest(caller.subject, targets, collection, progress)

    def sources(self, caller: Caller, limit: int = 50) -> list[Source]:
        """The documents this channel may search (its mapped collections, or all of the tenant's)."""
        self._check(caller, "ask")  # who may not ask here may not browse what is searchable either
        scope = self._collections.channel_scope(caller.tenant, caller.platform, caller.channel)
        return [Source(c, t, s) for c, t, s in self._collections.documents(caller.tenant, scope, limit)]

    def forget_me(self, caller: Caller) -> dict[str, int]:
        """Erase the caller's own questions, answers and feedback (always allowed; audited)."""
        event = forget_user(self._database, self._audit, caller.tenant, caller.subject.actor, caller.subject.actor)
        return event.removed

    def audit_export(
        self,
        caller: Caller,
        since: datetime | None = None,
        fmt: Literal["jsonl", "csv"] = "jsonl",
        until: datetime | None = None,
    ) -> tuple[Path, Manifest]:
        """Export this tenant's audit events to a JSONL (or CSV) file (compliance or admin role)."""
        self._check(caller, "export_audit")
        self._export_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        folder = Path(tempfile.mkdtemp(prefix="audit-", dir=self._export_dir))
        out = folder / f"steward-audit-{caller.tenant}-{stamp}.{fmt}"
        where = EventFilter(caller.tenant, since, until)
        return out, export_audit(self._database, self._audit, self._key, where, out, fmt, caller.subject.actor)

    def _check(self, caller: Caller, action: str) -> None:
        decision = self._policy.check(caller.subject, action)
        if not decision.allowed:
            event = PolicyDenied(
                tenant=caller.tenant,
                actor=caller.subject.actor,
                channel=caller.channel,
                action=action,
                role=decision.role,
                reason=decision.reason,
            )
            self._audit.record(event)
            raise NotAllowed(decision.reason)

    @staticmethod
    def help() -> str:
        """What the bot does and which commands exist (Slack mrkdwn; Discord renders it too)."""
        return HELP
