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
def fast(handbook: Steward, settings: Settings) -> Iterator[Steward]:
    with FakeOpenAI(default=Behaviour(text="Every employee receives two YubiKey 5 keys [1].")) as fake:
        hosted = HostedSettings(base_url=fake.base_url, api_key=SecretStr("sk-test"), model="fake", max_retries=0)
        update = {"hosted": hosted, "router": RouterSettings(route="hosted-only")}
        yield Steward(settings.model_copy(update=update), handbook.database)


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
