"""A circuit breaker: after enough consecutive failures, stop calling a failing service for a while.

States: ``closed`` (calls go through), ``open`` (calls fail fast with :class:`CircuitOpen`, nothing is sent),
``half-open`` (``reset_s`` after opening, one trial call is let through: success closes the breaker, failure
opens it again for another ``reset_s``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half-open"]


class CircuitOpen(RuntimeError):
    """Raised instead of calling while the breaker is open; ``retry_in_s`` says when a trial is allowed."""

    def __init__(self, message: str, retry_in_s: float) -> None:
        super().__init__(message)
        self.retry_in_s = retry_in_s


class CircuitBreaker:
    """Counts consecutive failures; thread-safe; ``clock`` is injectable for tests."""

    def __init__(self, failures: int, reset_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if failures < 1 or reset_s < 0:
            raise ValueError("failures must be >= 1 and reset_s >= 0")
        self.failures = failures
        self.reset_s = reset_s
        self._clock = clock
        self._lock = threading.Lock()
        self._consecutive = 0
        self._opened_at: float | None = None
        self._trial = False  # a half-open trial call is in flight

    def _state(self) -> State:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self._clock() - self._opened_at >= self.reset_s else "open"

    @property
    def state(self) -> State:
        """``closed``, ``open`` or ``half-open``, as of now."""
        with self._lock:
            return self._state()

    @property
    def consecutive_failures(self) -> int:
        """Failures since the last success."""
        with self._lock:
            return self._consecutive

    def acquire(self) -> bool:
        """Ask to make a call: raises :class:`CircuitOpen` when it may not go ahead; True for a half-open trial."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return False
            if state == "half-open" and not self._trial:
                self._trial = True
                return True
            assert self._opened_at is not None  # noqa: S101 - open and half-open always have an opening time
            wait = max(0.0, self._opened_at + self.reset_s - self._clock())
        detail = "a trial call is in flight" if state == "half-open" else f"next trial in {wait:.1f}s"
        raise CircuitOpen(f"circuit open after {self._consecutive} consecutive failures; {detail}", retry_in_s=wait)

    def success(self) -> None:
        """The call worked: close the breaker and forget past failures."""
        with self._lock:
            self._consecutive = 0
            self._opened_at = None
            self._trial = False

    def failure(self) -> None:
        """The call failed: count it; open (or re-open, after a failed trial) the breaker when due."""
        with self._lock:
            self._consecutive += 1
            if self._trial or (self._opened_at is None and self._consecutive >= self.failures):
                self._opened_at = self._clock()
            self._trial = False

    def release(self, trial: bool) -> None:
        """A call ended without a verdict (it was cancelled): if it was the trial, let another one through."""
        if trial:
            with self._lock:
                self._trial = False
