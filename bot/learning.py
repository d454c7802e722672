"""The learning loop's bot side: feedback out of the database into versioned, PII-free datasets.

Texts were redacted when they were captured (questions, answers, reasons, corrections), so the
datasets only ever hold placeholders; the export scrubs once more as defence in depth.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text

from agents.tuning.config import PreferenceSettings
from agents.tuning.export import ExportFormat, export
from agents.tuning.preferences import build_preferences
from agents.tuning.records import Correction, FeedbackRecord, PreferenceSet
from bot.db.database import Database
from bot.store.preference_data import load_feedback

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NOTES = {"pii": "questions, answers, reasons and corrections were redacted (Presidio) before they were stored"}


def _scrubbed(record: FeedbackRecord, scrub: Callable[[str], str]) -> FeedbackRecord:
    from dataclasses import replace

    facts = tuple(scrub(fact) for fact in record.facts)  # document sentences are not redacted at ingest
    return replace(record, question=scrub(record.question), answer=scrub(record.answer), facts=facts)


class Learning:
    """Builds preference data from feedback and snapshots it as numbered dataset versions."""

    def __init__(
        self,
        database: Database,
        embed: Callable[[list[str]], np.ndarray],
        settings: PreferenceSettings,
        datasets_dir: Path,
        scrub: Callable[[str], str],
    ) -> None:
        self._database = database
        self._embed = embed
        self._settings = settings
        self._dir = datasets_dir
        self._scrub = scrub

    def build(self, since: datetime = EPOCH, tenant: str | None = None) -> PreferenceSet:
        """Pairs and SFT examples from every vote and correction since ``since``."""
        records, corrections = load_feedback(self._database, since, tenant)
        records = [_scrubbed(r, self._scrub) for r in records]
        corrections = [
            Correction(c.thread_key, self._scrub(c.question), self._scrub(c.answer_text), c.created_at)
            for c in corrections
        ]
        return build_preferences(records, corrections, self._embed, self._settings)

    def export(
        self, fmt: ExportFormat, out: Path, since: datetime = EPOCH, tenant: str | None = None
    ) -> dict[str, Any]:
        """Write one format and its datasheet; returns the datasheet."""
        notes = {**NOTES, "since": since.isoformat(), "tenant": tenant or "all"}
        return export(self.build(since, tenant), fmt, out, notes)

    def snapshot(self, version: str | None = None) -> tuple[str, Path]:
        """Write DPO, SFT and CSV files of all feedback to ``<datasets>/<version>/`` and record the version."""
        version = version or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        folder = self._dir / version
        folder.mkdir(parents=True, exist_ok=False)
        data = self.build()
        sheets = {
            fmt: export(data, fmt, folder / f"{fmt}.{'csv' if fmt == 'csv' else 'jsonl'}", NOTES)
            for fmt in ("dpo", "sft", "csv")
        }
        sheet = {**sheets["dpo"], "version": version, "files": sorted(p.name for p in folder.iterdir())}
        with self._database.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO datasets (version, path, datasheet) VALUES (:v, :p, CAST(:d AS jsonb))"),
                {"v": version, "p": str(folder), "d": json.dumps(sheet, default=str)},
            )
        return version, folder

    def dataset(self, version: str) -> Path:
        """The folder of a recorded dataset version."""
        with self._database.engine.begin() as conn:
            path = conn.execute(text("SELECT path FROM datasets WHERE version = :v"), {"v": version}).scalar()
        if path is None:
            raise KeyError(f"no dataset version {version!r}: run `steward feedback snapshot` first")
        return Path(path)
