"""Gated promotions started from the admin page, run off the event loop.

``Tuning.promote`` reuses a stored gate report against the adapter that serves now, which takes a moment;
otherwise it runs the gate, which loads a second copy of the model and takes minutes. So the page starts
it here, waits a few seconds, and otherwise tells the admin to come back: the attempt runs on in a
daemon thread (one gate at a time), and its decision is audited and kept on the adapter like the CLI's.
Attempts are remembered per process, newest per adapter, for the page to show.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from agents.eval.results import GateReport
from agents.models.adapters import AdapterError
from agents.tuning.result import TuneError
from bot.logs import get_logger
from governance.policy.rbac import Subject

log = get_logger(__name__)
State = Literal["running", "promoted", "refused", "failed"]


@dataclass(frozen=True)
class Attempt:
    """One click on Promote: who asked, when, and (once done) the gate's report or the error."""

    name: str
    actor: str
    started_at: datetime
    future: Future[GateReport] = field(compare=False)

    @property
    def state(self) -> State:
        """Where the attempt stands."""
        if not self.future.done():
            return "running"
        if self.future.exception() is not None:
            return "failed"
        return "promoted" if self.future.result().promoted else "refused"

    def message(self) -> str:
        """What the admin is told about it."""
        state = self.state
        if state == "running":
            return f"The evaluation gate is scoring {self.name}: this takes minutes. Reload this page for its decision."
        if state == "failed":
            exc = self.future.exception()
            known = isinstance(exc, AdapterError | TuneError)
            detail = str(exc) if known else f"the gate failed: {type(exc).__name__}: {exc}"[:300]
            return f"{self.name} was not promoted: {detail}"
        report = self.future.result()
        if state == "promoted":
            return f"{self.name} passed the evaluation gate against {report.current.name} and is now active"
        return f"{self.name} was not promoted: the evaluation gate refused it ({'; '.join(report.reasons)})"


class Promotions:
    """Runs ``promote`` (``Tuning.promote``) for the admin page, one gate at a time, off the event loop."""

    def __init__(self, promote: Callable[[Subject, str], GateReport]) -> None:
        self._promote = promote
        self._attempts: dict[str, Attempt] = {}
        self._lock = threading.Lock()
        self._one_gate = threading.Lock()

    def submit(self, who: Subject, name: str) -> Attempt:
        """Start promoting ``name`` (or return the attempt already running for it)."""
        with self._lock:
            attempt = self._attempts.get(name)
            if attempt is not None and attempt.state == "running":
                return attempt
            attempt = Attempt(name, who.actor, datetime.now(UTC), Future())
            self._attempts[name] = attempt
        threading.Thread(target=self._run, args=(attempt, who), name=f"steward-gate-{name}", daemon=True).start()
        return attempt

    def attempts(self) -> dict[str, Attempt]:
        """The newest attempt per adapter name."""
        with self._lock:
            return dict(self._attempts)

    def _run(self, attempt: Attempt, who: Subject) -> None:
        with self._one_gate:
            attempt.future.set_running_or_notify_cancel()
            try:
                attempt.future.set_result(self._promote(who, attempt.name))
            except Exception as exc:  # the page shows it; the attempt never stays "running"
                if not isinstance(exc, AdapterError | TuneError | PermissionError):
                    log.error("admin.promote_failed", adapter=attempt.name, error=f"{type(exc).__name__}: {exc}")
                attempt.future.set_exception(exc)
