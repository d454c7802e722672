"""A datasheet for an exported preference dataset: what is in it, from when, and what was filtered out."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from agents.tuning.records import PreferenceSet


def _date_range(data: PreferenceSet) -> dict[str, str | None]:
    first, last = data.first_feedback, data.last_feedback
    return {"start": first.isoformat() if first else None, "end": last.isoformat() if last else None}


def build_datasheet(
    data: PreferenceSet, fmt: str, rows: int, notes: dict[str, Any] | None = None, version: str | None = None
) -> dict[str, Any]:
    """Counts (all, per source), the date range, the builder's settings and filters, and the caller's notes."""
    return {
        "version": version,
        "format": fmt,
        "rows_written": rows,
        "created_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "counts": {
            "pairs": len(data.pairs),
            "sft_examples": len(data.sft),
            "pairs_by_source": dict(sorted(Counter(p.source for p in data.pairs).items())),
            "sft_by_source": dict(sorted(Counter(e.source for e in data.sft).items())),
        },
        "date_range": _date_range(data),
        "filters": {"settings": dict(data.settings), "dropped": dict(data.filtered), "caller": dict(notes or {})},
    }


def _table(mapping: dict[str, Any]) -> list[str]:
    if not mapping:
        return ["(none)"]
    return ["| name | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in mapping.items())]


def render_datasheet(sheet: dict[str, Any]) -> str:
    """The datasheet as Markdown."""
    counts, dates, filters = sheet["counts"], sheet["date_range"], sheet["filters"]
    lines = [
        f"# Datasheet: feedback preference data{' ' + sheet['version'] if sheet.get('version') else ''}",
        "",
        f"- Format: `{sheet['format']}`, {sheet['rows_written']} rows written, created {sheet['created_at']}",
        f"- Preference pairs: {counts['pairs']}; SFT examples: {counts['sft_examples']}",
        f"- Feedback dates: {dates['start'] or 'n/a'} to {dates['end'] or 'n/a'}",
        "",
        "## Pairs by source",
        *_table(counts["pairs_by_source"]),
        "",
        "## SFT examples by source",
        *_table(counts["sft_by_source"]),
        "",
        "## Filters applied",
        "Builder settings:",
        *_table(filters["settings"]),
        "",
        "Dropped while building:",
        *_table(filters["dropped"]),
        "",
        "Applied before building (by the caller):",
        *_table(filters["caller"]),
        "",
    ]
    return "\n".join(lines)


def write_datasheet(sheet: dict[str, Any], stem: Path) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.md``; returns both paths."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    as_json = stem.with_name(stem.name + ".json")
    as_md = stem.with_name(stem.name + ".md")
    as_json.write_text(json.dumps(sheet, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    as_md.write_text(render_datasheet(sheet), encoding="utf-8")
    return as_json, as_md
