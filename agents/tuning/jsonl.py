"""Reading and writing JSON Lines files (one JSON object a line, UTF-8)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write one JSON object a line; returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file (blank lines skipped); ``ValueError`` names the first bad line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name} line {number} is not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ValueError(f"{path.name} line {number} is not a JSON object")
        rows.append(row)
    return rows
