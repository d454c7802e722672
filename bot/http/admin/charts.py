"""The dashboard's plots as plain data for uPlot: x in Unix seconds, one list of values per series."""

from __future__ import annotations

from typing import Any

from bot.store.dashboard import Day, EvalRun


def _chart(key: str, title: str, unit: str, x: list[float], series: dict[str, list[float | None]]) -> dict[str, Any]:
    return {
        "id": key,
        "title": title,
        "unit": unit,
        "x": x,
        "series": [{"label": label, "values": values} for label, values in series.items()],
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def daily_charts(days: list[Day]) -> list[dict[str, Any]]:
    """Answers per day, 👍 share, fallback rate, moderation flags and p95 latency."""
    x = [d.day.timestamp() for d in days]
    return [
        _chart("answers", "Answers per day", "answers", x, {"answers": [float(d.answers) for d in days]}),
        _chart(
            "feedback",
            "👍/👎 ratio (share of 👍 among votes)",
            "share",
            x,
            {"👍 share": [_share(d.up, d.up + d.down) for d in days]},
        ),
        _chart("fallback", "Fallback rate", "share", x, {"fallbacks": [_share(d.fallbacks, d.answers) for d in days]}),
        _chart("moderation", "Moderation flags per day", "flags", x, {"flags": [float(d.flags) for d in days]}),
        _chart("latency", "p95 latency", "ms", x, {"p95 ms": [d.p95_ms for d in days]}),
    ]


def recall_chart(runs: list[EvalRun]) -> dict[str, Any]:
    """Recall@k per retrieval-eval run (one series per k that any run measured)."""
    ks = sorted({k for run in runs for k in run.recall}, key=lambda k: int(k) if k.isdigit() else 0)
    series = {f"recall@{k}": [run.recall.get(k) for run in runs] for k in ks}
    return _chart("recall", "Retrieval recall (nightly eval)", "recall", [r.at.timestamp() for r in runs], series)
