"""The learning loop's plumbing on the real database: regenerate, feedback, adapter history and canary."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from agents.config import HostedSettings, RouterSettings
from agents.models.adapters import AdapterError, AdapterRegistry
from bot.commands import Caller
from bot.container import Steward
from bot.settings import Settings
from tests.fake_openai import Behaviour, FakeOpenAI


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default=Behaviour(text="Every employee receives two YubiKey 5 keys [1].")) as fake:
        yield fake


@pytest.fixture
def fast(handbook: Steward, settings: Settings, server: FakeOpenAI) -> Steward:
    hosted = HostedSettings(base_url=server.base_url, api_key=SecretStr("sk-test"), model="fake", max_retries=0)
    update = {"hosted": hosted, "router": RouterSettings(route="hosted-only")}
    return Steward(settings.model_copy(update=update), handbook.database)


def test_regenerate_links_the_new_answer_and_feedback_is_recorded(fast: Steward) -> None:
    caller = Caller("slack", "acme", "C-regen", "U-regen", thread="t-regen")
    first = asyncio.run(fast.commands.ask(caller, "how many YubiKeys does each person get?"))
    assert fast.commands.record_feedback(caller, str(first.answer_id), -1, "not what I asked")
    again = asyncio.run(fast.commands.regenerate(caller, str(first.answer_id)))
    assert again is not None and again.answer_id != first.answer_id
    assert fast.commands.record_feedback(caller, str(again.answer_id), 1)
    with fast.database.engine.begin() as conn:
        row = conn.execute(
            text("select question, regenerated_from, retrieved from answers where id = :i"), {"i": again.answer_id}
        ).one()
    assert row.regenerated_from == first.answer_id and row.question == "how many YubiKeys does each person get?"
    assert len(row.retrieved) >= 3 and all(row.retrieved)  # the chunk ids the answer was built from
    assert asyncio.run(fast.commands.regenerate(caller, "00000000-0000-0000-0000-000000000000")) is None


def _adapter(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "adapter_config.json").write_text('{"peft_type": "LORA"}')
    (folder / "adapter_model.safetensors").write_bytes(b"0")
    return folder


def test_rollback_and_canary_share(steward: Steward, tmp_path: Path) -> None:
    registry = AdapterRegistry(
        steward.database.engine.begin, tmp_path / "store", "base-for-canary", rng=random.Random(7)
    )
    for name in ("cand-a", "cand-b"):
        registry.register(name, _adapter(tmp_path, name))
    with pytest.raises(AdapterError, match="nothing to roll back"):
        registry.previous()
    registry.activate("cand-a")
    registry.activate("cand-b")
    assert registry.previous() == "cand-a"
    registry.activate(registry.previous())  # what `steward adapters rollback` does
    assert registry.active() is not None and registry.active().name == "cand-a"

    registry.set_canary("cand-b", 20)
    picks = [registry.pick() for _ in range(1000)]
    share = sum(p is not None and p.name == "cand-b" for p in picks) / len(picks)
    assert 0.16 <= share <= 0.24  # 20% within tolerance over 1,000 answers
    assert all(p is not None and p.name in ("cand-a", "cand-b") for p in picks)
    with pytest.raises(AdapterError, match="inactive"):
        registry.set_canary("cand-a", 10)  # the active adapter cannot be its own canary
    registry.set_canary(None)
    assert registry.canary() is None and {registry.pick().name for _ in range(50)} == {"cand-a"}


def test_adapter_outcomes_count_votes_and_fallbacks(handbook: Steward) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.store.outcomes import adapter_outcomes

    caller = Caller("slack", "acme", "C-out", "U-out")
    reply = asyncio.run(handbook.commands.ask(caller, "how many YubiKeys does each person get?"))
    assert handbook.commands.record_feedback(caller, str(reply.answer_id), 1)
    [base] = [
        o for o in adapter_outcomes(handbook.database, datetime.now(UTC) - timedelta(hours=1)) if o.adapter == "(base)"
    ]
    assert base.answers >= 1 and base.up >= 1 and base.feedback_ratio is not None
    assert 0.0 <= base.fallback_rate <= 1.0


def test_feedback_becomes_deduplicated_pii_free_preference_data(
    fast: Steward, server: FakeOpenAI, tmp_path: Path
) -> None:
    import json

    from agents.config import AgentSettings

    # Show the fake model's answers as written (no extractive fallback), so good and bad answers differ.
    fast = Steward(fast.settings.model_copy(update={"agent": AgentSettings(fallback="none")}), fast.database)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "mfa.md").write_text(
        "# MFA\n\nEvery employee receives two YubiKey 5 keys: one for daily use, one backup.\n"
    )
    (docs / "travel.md").write_text("# Travel\n\nMeal expenses on business trips are capped at 75 EUR per day.\n")
    fast.ingestor.ingest([docs], "pref-co", "handbook")
    ask = lambda caller, q: asyncio.run(fast.commands.ask(caller, q))  # noqa: E731
    vote = fast.commands.record_feedback
    # 1. 👎, then 👍 on the regenerated answer in the same thread.
    t1 = Caller("slack", "pref-co", "C-pref", "U-p1", thread="t-pref-1")
    server.script(Behaviour(text="Employees get one key [1]."), Behaviour(text="Everyone gets two YubiKey 5 keys [1]."))
    bad = ask(t1, "how many YubiKeys does each person get?")
    vote(t1, str(bad.answer_id), -1, "wrong count")
    good = asyncio.run(fast.commands.regenerate(t1, str(bad.answer_id)))
    assert good is not None
    vote(t1, str(good.answer_id), 1)
    for _ in range(3):  # repeated clicks update the vote, they add no rows or pairs
        vote(t1, str(good.answer_id), 1)
    # 2. An admin's correction in that thread.
    admin = Caller("slack", "pref-co", "C-pref", "U-admin", platform_admin=True, thread="t-pref-1")
    corrected = ask(admin, "!correct Each employee receives two YubiKey 5 keys: one daily, one backup.")
    assert corrected.status == "corrected"
    # 3. 👍 and 👎 answers to near-duplicate questions in other threads.
    t2, t3 = (Caller("slack", "pref-co", "C-pref", f"U-p{i}", thread=f"t-pref-{i}") for i in (2, 3))
    server.script(Behaviour(text="Meals are capped at 75 EUR per day [1]."), Behaviour(text="There is no limit [1]."))
    vote(t2, str(ask(t2, "What is the daily meal allowance on business trips?").answer_id), 1)
    vote(t3, str(ask(t3, "What is the daily meal allowance on a business trip?").answer_id), -1)
    # 4. PII in a question (kept local, so declined under hosted-only) must not reach the export.
    t4 = Caller("slack", "pref-co", "C-pref", "U-p4", thread="t-pref-4")
    pii = ask(t4, "I'm Dana Whitfield, dana.whitfield@example.com: how many YubiKeys do I get?")
    vote(t4, str(pii.answer_id), -1, "call me on +1-415-555-0199")

    out = tmp_path / "dpo.jsonl"
    sheet = fast.learning.export("dpo", out, tenant="pref-co")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    by_source = sheet["counts"]["pairs_by_source"]
    assert by_source.get("regenerate") == 1 and by_source.get("correction") == 1
    assert by_source.get("near_duplicate") == 1
    assert len(rows) == sheet["counts"]["pairs"] == len({json.dumps(r, sort_keys=True) for r in rows})
    assert all(set(r) == {"prompt", "chosen", "rejected"} for r in rows)
    # The prompt is rebuilt as the local model saw it: the numbered facts shown with the answer, then the question.
    regenerate = next(r for r in rows if "one key" in json.dumps(r["rejected"]))
    assert "[1] Every employee receives two YubiKey 5 keys" in json.dumps(regenerate["prompt"])
    texts = json.dumps(rows) + out.with_name(out.name + ".datasheet.json").read_text()
    sft = tmp_path / "sft.jsonl"
    fast.learning.export("sft", sft, tenant="pref-co")
    texts += sft.read_text()
    for value in ("Dana", "Whitfield", "dana.whitfield@example.com", "415-555-0199"):
        assert value not in texts
    assert "two YubiKey 5 keys" in texts and all("messages" in json.loads(x) for x in sft.read_text().splitlines())


def test_a_broken_dataset_is_refused_before_training_and_its_run_is_recorded_as_failed(handbook: Steward) -> None:
    from agents.tuning.result import TuneError

    version, folder = handbook.learning.snapshot("broken-dataset")
    (folder / "sft.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n')
    with pytest.raises(TuneError, match="sft.jsonl line 2 is not JSON"):
        handbook.tuning.train("sft", version, "never-trained", progress=False)
    (folder / "sft.jsonl").write_text('{"messages": [{"role": "user", "content": "no answer"}]}\n')
    with pytest.raises(TuneError, match="ending with an assistant message"):
        handbook.tuning.train("sft", version, "never-trained", progress=False)
    with handbook.database.engine.begin() as conn:
        runs = conn.execute(
            text("SELECT finished_at, metrics, adapter FROM tuning_runs WHERE dataset_version = :v"), {"v": version}
        ).all()
    assert len(runs) == 2 and all(r.finished_at and "TuneError" in r.metrics["error"] and not r.adapter for r in runs)
    with pytest.raises(AdapterError):
        handbook.adapters.get("never-trained")
