"""The LoRA adapter registry: a database table plus adapter files in the data dir.

Registering copies a PEFT adapter directory into ``<data dir>/adapters/<name>``. At most one adapter is
active per base model; the running model checks the registry before each generation, so activating
another adapter (from any process) takes effect on the next answer without a restart.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from agents.tenancy import AdminTx

TRAINING_RECORD = "steward_training.json"  # written by agents.tuning.train next to the adapter weights
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class AdapterError(ValueError):
    """An adapter cannot be registered or activated; the message says why."""


@dataclass(frozen=True)
class AdapterInfo:
    """One registered adapter."""

    name: str
    base_model: str
    path: Path
    active: bool
    metrics: dict[str, Any]
    created_at: datetime
    canary_percent: int = 0


def _info(row: Any) -> AdapterInfo:
    return AdapterInfo(
        row.name,
        row.base_model,
        Path(row.path),
        row.active,
        dict(row.metrics),
        row.created_at,
        int(getattr(row, "canary_percent", 0) or 0),
    )


def _check_adapter_dir(source: Path) -> dict[str, Any]:
    config = source / "adapter_config.json"
    if not config.is_file():
        raise AdapterError(f"{source} is not a PEFT adapter directory (no adapter_config.json)")
    if not any(source.glob("adapter_model.*")):
        raise AdapterError(f"{source} has no adapter weights (adapter_model.safetensors)")
    return dict(json.loads(config.read_text()))


class AdapterRegistry:
    """Registers, lists and activates adapters for the local base model."""

    def __init__(self, admin: AdminTx, root: Path, base_model: str, rng: random.Random | None = None) -> None:
        self._admin = admin
        self._root = root
        self.base_model = base_model
        self._rng = rng or random.Random()  # noqa: S311 - traffic splitting, not security

    def register(self, name: str, source: Path, metrics: dict[str, Any] | None = None) -> AdapterInfo:
        """Copy ``source`` into the data dir and record it (inactive).

        Without ``metrics``, the training record Steward's trainer writes beside the weights (if any) is kept.
        """
        if not _NAME.match(name):
            raise AdapterError(f"invalid adapter name {name!r}: letters, digits, '.', '_' and '-' only")
        _check_adapter_dir(source)
        if metrics is None and (source / TRAINING_RECORD).is_file():
            metrics = {"training": json.loads((source / TRAINING_RECORD).read_text(encoding="utf-8"))}
        target = self._root / name
        if target.exists():
            raise AdapterError(f"an adapter named {name!r} already exists")
        self._root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=self._root))
        shutil.copytree(source, staging, dirs_exist_ok=True)
        try:
            with self._admin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO adapters (name, base_model, path, metrics) VALUES (:n, :b, :p, CAST(:m AS jsonb))"
                    ),
                    {"n": name, "b": self.base_model, "p": str(target), "m": json.dumps(metrics or {})},
                )
                staging.rename(target)
        except Exception:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return self.get(name)

    def get(self, name: str) -> AdapterInfo:
        """One adapter by name."""
        with self._admin() as conn:
            row = conn.execute(text("SELECT * FROM adapters WHERE name = :n"), {"n": name}).first()
        if row is None:
            raise AdapterError(f"no adapter named {name!r}")
        return _info(row)

    def add_metrics(self, name: str, metrics: dict[str, Any]) -> AdapterInfo:
        """Merge ``metrics`` (top-level keys replace) into the adapter's recorded metrics."""
        with self._admin() as conn:
            updated = conn.execute(
                text("UPDATE adapters SET metrics = metrics || CAST(:m AS jsonb) WHERE name = :n"),
                {"n": name, "m": json.dumps(metrics, default=str)},
            ).rowcount
        if not updated:
            raise AdapterError(f"no adapter named {name!r}")
        return self.get(name)

    def list(self) -> list[AdapterInfo]:
        """Every adapter for this base model, newest first."""
        with self._admin() as conn:
            rows = conn.execute(
                text("SELECT * FROM adapters WHERE base_model = :b ORDER BY created_at DESC"), {"b": self.base_model}
            ).all()
        return [_info(r) for r in rows]

    def activate(self, name: str | None) -> None:
        """Make ``name`` the active adapter (``None``: the plain base model); remembered for rollback."""
        with self._admin() as conn:
            conn.execute(
                text("INSERT INTO adapter_activations (base_model, name) VALUES (:b, :n)"),
                {"b": self.base_model, "n": name},
            )
            conn.execute(
                text("UPDATE adapters SET active = false WHERE base_model = :b AND active"), {"b": self.base_model}
            )
            if name is not None:
                updated = conn.execute(
                    text("UPDATE adapters SET active = true WHERE name = :n AND base_model = :b"),
                    {"n": name, "b": self.base_model},
                ).rowcount
                if not updated:
                    raise AdapterError(f"no adapter named {name!r} for {self.base_model}")

    def active(self) -> AdapterInfo | None:
        """The active adapter, if any."""
        with self._admin() as conn:
            row = conn.execute(
                text("SELECT * FROM adapters WHERE base_model = :b AND active"), {"b": self.base_model}
            ).first()
        return _info(row) if row else None

    def previous(self) -> str | None:
        """The adapter that was active before the current one (``None``: the base model)."""
        with self._admin() as conn:
            rows = conn.execute(
                text("SELECT name FROM adapter_activations WHERE base_model = :b ORDER BY id DESC LIMIT 2"),
                {"b": self.base_model},
            ).all()
        if len(rows) < 2:
            raise AdapterError("nothing to roll back to: no earlier activation is recorded")
        return rows[1].name

    def set_canary(self, name: str | None, percent: int = 0) -> None:
        """Send ``percent`` of answers to ``name`` (a candidate); ``None`` or 0 ends the canary."""
        if not 0 <= percent <= 100:
            raise AdapterError("the canary share is a percentage from 0 to 100")
        with self._admin() as conn:
            conn.execute(text("UPDATE adapters SET canary_percent = 0 WHERE base_model = :b"), {"b": self.base_model})
            if name is not None and percent > 0:
                updated = conn.execute(
                    text("UPDATE adapters SET canary_percent = :p WHERE name = :n AND base_model = :b AND NOT active"),
                    {"p": percent, "n": name, "b": self.base_model},
                ).rowcount
                if not updated:
                    raise AdapterError(f"no inactive adapter named {name!r} to canary")

    def canary(self) -> AdapterInfo | None:
        """The canary adapter, if one is set."""
        with self._admin() as conn:
            row = conn.execute(
                text("SELECT * FROM adapters WHERE base_model = :b AND canary_percent > 0"), {"b": self.base_model}
            ).first()
        return _info(row) if row else None

    def pick(self) -> AdapterInfo | None:
        """The adapter for the next answer: the canary for its share of answers, else the active one."""
        candidate = self.canary()
        if candidate is not None and self._rng.random() * 100 < candidate.canary_percent:
            return candidate
        return self.active()
