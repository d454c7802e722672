"""Pointing one loaded model at any adapter directory, so the gate compares adapters on one base model.

An ``AdapterSlot`` asks a callable which adapter to apply before each generation; the registry's
``active`` is one such callable, ``AdapterSwitch`` is another, set by the evaluation itself. PEFT keeps
every adapter it has loaded, so switching back and forth costs nothing after the first load.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from agents.eval.answerers import Answerer, Chat
from agents.models.adapters import AdapterInfo


class AdapterSwitch:
    """The adapter an ``AdapterSlot`` applies (``None``: the plain base model), chosen by the caller."""

    def __init__(self, base_model: str = "local") -> None:
        self._base_model = base_model
        self._current: AdapterInfo | None = None

    def __call__(self) -> AdapterInfo | None:
        """The adapter to apply now (the ``AdapterSlot`` protocol)."""
        return self._current

    def use(self, name: str | None, path: Path | None = None) -> None:
        """Apply the adapter in ``path`` under ``name`` from the next generation on; ``None``: no adapter."""
        if name is None:
            self._current = None
            return
        if path is None:
            raise ValueError("an adapter needs its directory")
        self._current = AdapterInfo(name, self._base_model, path, False, {}, datetime.now(UTC))

    def answerer(self, answer: Answerer, name: str | None, path: Path | None = None) -> Answerer:
        """``answer``, with this switch set to the given adapter before every batch."""

        def switched(chats: Sequence[Chat]) -> list[str]:
            self.use(name, path)
            return answer(chats)

        return switched
