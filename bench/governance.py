"""The governance chain per chat message, against a naive pipeline built from defaults, in the same run.

Ours is what the pipeline runs before retrieval, with the real objects on a real (embedded) PostgreSQL:
policy check, rate-limit buckets, PII redaction with the conversation's pseudonyms, moderation (rules,
toxicity, injection) and the hash-chained audit write. The peer does the same jobs the obvious way:
Presidio's default analyzer and anonymizer, forcefield's ``Guard.scan`` for injection and abuse, and a plain
INSERT of the event. It also reports PII recall (``bench.pii``) and injection P/R/F1 (``bench.moderation``).
Writes ``docs/benchmarks-governance.md``; ``python -m bench --governance`` runs only this.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench import machine
from bench.dataset import DOC_FILE
from bench.moderation import injection_markdown, run_moderation_bench
from bench.pii import run_pii_bench, synthetic_messages
from bench.pii_eval import run_all
from bench.pii_report import pii_markdown
from bench.stats import percentile, ratio
from bot.container import Steward
from bot.settings import CoreSettings, Settings
from governance.audit.events import MessageReceived
from governance.pii.pseudonyms import Pseudonyms
from governance.policy.config import RateLimitSettings
from governance.policy.rbac import Subject

GOV_DOC = DOC_FILE.with_name("benchmarks-governance.md")
GOV_COMMAND = ".venv/bin/python -m bench --governance"
GOAL_P95_MS = 15.0
HEADING = "## Governance chain per message"
SECTION = f"""{HEADING}

PII redaction, moderation and injection detection, rate limits, policy and the hash-chained audit write,
per chat message on a real PostgreSQL, against Presidio's defaults + forcefield + a plain INSERT in the same
run; plus PII recall per entity against Presidio's defaults. `make bench` runs it after the handbook
benchmark; `{GOV_COMMAND}` runs it alone. Results in [benchmarks-governance.md](benchmarks-governance.md).
"""
Step = tuple[str, Callable[[str, int], Any]]


def _messages(n: int) -> list[str]:
    """Chat messages: half carry PII (Faker templates), half are plain handbook questions."""
    qa = Path(__file__).resolve().parents[1] / "bot" / "samples" / "handbook_qa.jsonl"
    plain = [json.loads(line)["question"] for line in qa.read_text().splitlines()]
    pii = [s.text for s in synthetic_messages(n // 2, seed=3)]
    return [m for pair in zip(pii, (plain * n)[: n // 2], strict=True) for m in pair]


def _ours(app: Steward) -> list[Step]:
    names = Pseudonyms()

    def audit(message: str, i: int) -> None:
        event = MessageReceived(tenant="bench", actor=f"slack:U{i % 40}", platform="slack", text=message, chars=9)
        app.audit.record(event)

    return [
        ("policy", lambda m, i: app.policy.check(Subject("bench", f"slack:U{i % 40}"), "ask")),
        ("rate limit", lambda m, i: app.limiter.take("bench", f"slack:U{i % 40}")),
        ("PII redaction", lambda m, i: app.redactor.redact(m, names)),
        ("moderation + injection", lambda m, i: app.moderator.check(m, "input")),
        ("audit write (hash chain)", audit),
    ]


def _peer(app: Steward) -> list[Step]:
    import forcefield

    from bench.pii import _presidio_default

    presidio = _presidio_default(app.settings.pii.spacy_model)
    guard = forcefield.Guard(telemetry=False)
    with app.database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS naive_audit (id bigserial primary key, event jsonb)"))

    def insert(message: str, i: int) -> None:
        with app.database.engine.begin() as conn:
            conn.execute(text("INSERT INTO naive_audit (event) VALUES (CAST(:e AS jsonb))"), {"e": json.dumps([i])})

    return [
        ("Presidio defaults (analyze + anonymize)", lambda m, i: presidio(m)),
        ("forcefield Guard.scan", lambda m, i: guard.scan(m)),
        ("plain INSERT", insert),
    ]


def _time(steps: list[Step], messages: list[str]) -> dict[str, Any]:
    for i, m in enumerate(messages[:20]):  # warm-up
        for _, step in steps:
            step(m, i)
    per_step: dict[str, list[float]] = {name: [] for name, _ in steps}
    totals = []
    for i, m in enumerate(messages):
        start = time.perf_counter()
        for name, step in steps:
            t = time.perf_counter()
            step(m, i)
            per_step[name].append((time.perf_counter() - t) * 1000)
        totals.append((time.perf_counter() - start) * 1000)
    rows = {name: (percentile(v, 50), percentile(v, 95)) for name, v in per_step.items()}
    return {"steps": rows, "total": (percentile(totals, 50), percentile(totals, 95))}


def run(n: int = 400) -> dict[str, Any]:
    """Measure both chains on ``n`` messages in a throw-away data dir; also the PII recall benchmark."""
    with tempfile.TemporaryDirectory(prefix="steward-bench-gov-", ignore_cleanup_errors=True) as tmp:
        settings = Settings(
            core=CoreSettings(data_dir=Path(tmp)),
            ratelimit=RateLimitSettings(user_burst=10_000, tenant_burst=100_000),
        )
        app = Steward.open(settings)
        try:
            messages = _messages(n)
            ours, peer = _time(_ours(app), messages), _time(_peer(app), messages)
        finally:
            app.close()
    return {"n": len(messages), "ours": ours, "peer": peer, "pii": run_pii_bench(300), "pii_sets": run_all()}


def _ms(value: float) -> str:
    return f"{value:.2f} ms"


def _load(result: dict[str, Any], index: int) -> str:
    loads = result.get("load")
    return " / ".join(f"{x:.2f}" for x in loads[index]) if loads else "?"


def markdown(r: dict[str, Any], date: str, runtime_s: float) -> str:
    """The report."""
    ours_p95, peer_p95 = r["ours"]["total"][1], r["peer"]["total"][1]
    verdict = "meets" if ours_p95 <= GOAL_P95_MS else "misses"
    lines = [
        "# Benchmarks: the governance chain",
        "",
        f"Command: `{GOV_COMMAND}` (also part of `make bench`). Date: {date}. Runtime {runtime_s:.0f} s. "
        f"{r['n']} chat messages, half with synthetic PII, half plain handbook questions. Load average (1/5/15 min) "
        f"at start {_load(r, 0)}, at end {_load(r, 1)} on 2 cores: p95 moves "
        "by several ms with load, so compare the two chains within one run.",
        "",
        f"**Per message, p95: ours {_ms(ours_p95)}, the naive pipeline {_ms(peer_p95)} "
        f"({ratio(ours_p95, peer_p95):.2f}x).** Ours {verdict} the goal of p95 ≤ {GOAL_P95_MS:.0f} ms.",
        "",
        "| Chain | Step | p50 | p95 |",
        "|---|---|---|---|",
    ]
    for side, label in (("ours", "ours"), ("peer", "naive")):
        for name, (p50, p95) in r[side]["steps"].items():
            lines.append(f"| {label} | {name} | {_ms(p50)} | {_ms(p95)} |")
        lines.append(f"| {label} | **total** | **{_ms(r[side]['total'][0])}** | **{_ms(r[side]['total'][1])}** |")
    lines += pii_markdown(r["pii"], r.get("pii_sets"), f"`{GOV_COMMAND}`, {date}, load {_load(r, 0)} → {_load(r, 1)}")
    lines += injection_markdown(r["moderation"]) if "moderation" in r else []
    return "\n".join(lines)


def main(write: bool = True) -> int:
    """Run, print, and write ``docs/benchmarks-governance.md``."""
    started, date = time.perf_counter(), machine.date_utc()
    load_start = machine.load_average()
    result = run()
    result["moderation"] = run_moderation_bench()
    result["load"] = (load_start, machine.load_average())
    doc = markdown(result, date, time.perf_counter() - started)
    print(doc)
    if write:
        GOV_DOC.write_text(doc, encoding="utf-8")
        _link()
        print(f"wrote {GOV_DOC}", file=sys.stderr)
    return 0


def _link() -> None:
    """Make sure docs/benchmarks.md links this report (its section holds no figures)."""
    current = DOC_FILE.read_text(encoding="utf-8") if DOC_FILE.is_file() else "# Benchmarks\n"
    if HEADING not in current:
        DOC_FILE.write_text(current.rstrip("\n") + "\n\n" + SECTION, encoding="utf-8")
