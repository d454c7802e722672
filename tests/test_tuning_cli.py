"""The learning loop from the command line, on the real database and the bundled model.

Feedback given through the pipeline → ``steward feedback snapshot`` → ``steward tune sft|dpo`` (tiny runs,
recorded in ``tuning_runs`` and registered) → ``steward adapters eval|promote`` (the gate against the
adapter that serves now) → ``steward model-card`` from the stored evaluation.

The promotion case is honest but cheap: the adapter serving is one trained to answer everything with
nonsense, so a candidate close to the base model must beat it (with margin 0: two training steps move the
domain score little); a margin of 1.0 must refuse any candidate.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from agents.config import AgentSettings, HostedSettings, RouterSettings
from agents.tuning.config import TuneSettings
from agents.tuning.export import prompt_messages, write_jsonl
from bot.commands import Caller
from bot.container import Steward
from bot.settings import Settings
from tests.conftest import HANDBOOK, QA_FILE, UNANSWERABLE, cli_env, run_cli
from tests.fake_openai import Behaviour, FakeOpenAI

pytestmark = pytest.mark.slow
GATE_ENV = {
    "STEWARD_LLM_QUANTIZATION": "none",
    "STEWARD_GATE_DOMAIN_SAMPLE": "3",
    "STEWARD_GATE_UNANSWERABLE_SAMPLE": "1",
    "STEWARD_GATE_GENERAL_SAMPLE": "4",
    "STEWARD_GATE_MAX_NEW_TOKENS": "16",
    "STEWARD_TUNE_MAX_STEPS": "2",
    "STEWARD_TUNE_BATCH_SIZE": "2",
    "STEWARD_TUNE_THREADS": "2",
}


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default=Behaviour(text="Every employee receives two YubiKey 5 keys [1].")) as fake:
        yield fake


def _give_feedback(handbook: Steward, settings: Settings, server: FakeOpenAI) -> None:
    hosted = HostedSettings(base_url=server.base_url, api_key=SecretStr("sk-test"), model="fake", max_retries=0)
    update = {
        "hosted": hosted,
        "router": RouterSettings(route="hosted-only"),
        "agent": AgentSettings(fallback="none"),
    }
    fast = Steward(settings.model_copy(update=update), handbook.database)
    caller = Caller("slack", "acme", "C-tune", "U-tune", thread="t-tune-1")
    server.script(Behaviour(text="You get one key [1]."), Behaviour(text="Two YubiKey 5 keys: daily and backup [1]."))
    bad = asyncio.run(fast.commands.ask(caller, "how many YubiKeys does each person get?"))
    fast.commands.record_feedback(caller, str(bad.answer_id), -1, "wrong")
    good = asyncio.run(fast.commands.regenerate(caller, str(bad.answer_id)))
    assert good is not None
    fast.commands.record_feedback(caller, str(good.answer_id), 1)


def _nonsense_adapter(dense_model: Path, folder: Path) -> Path:
    from agents.eval.domain import load_domain_items, split_items
    from agents.tuning.curated import curated_examples
    from agents.tuning.replay import replay_prompts
    from agents.tuning.train import train_sft

    nonsense = [{"role": "assistant", "content": "Bananas are purple on Tuesdays."}]
    train, _ = split_items(load_domain_items(QA_FILE, HANDBOOK, UNANSWERABLE), 33)
    chats = [prompt_messages(e.prompt, e.facts) for e in curated_examples(train)]
    rows = [{"messages": chat + nonsense} for chat in chats + [prompt_messages(p) for p in replay_prompts()]]
    write_jsonl(rows, folder / "junk.jsonl")
    settings = TuneSettings(learning_rate=2e-3, max_steps=8, threads=2, seed=0)
    return train_sft(folder / "junk.jsonl", dense_model, folder / "junk", settings, progress=False).adapter_dir


def test_snapshot_tune_eval_promote_and_model_card(
    handbook: Steward, settings: Settings, server: FakeOpenAI, dense_model: Path, tmp_path: Path
) -> None:
    _give_feedback(handbook, settings, server)
    env = cli_env(settings.core.data_dir, **GATE_ENV)
    snap = run_cli("feedback", "snapshot", env=env)
    assert snap.returncode == 0, snap.stderr
    version = snap.stdout.split()[1].rstrip(":")

    sft = run_cli("tune", "sft", "--dataset", version, "--name", "cli-sft", "--no-progress", env=env, timeout=600)
    assert sft.returncode == 0, sft.stderr
    assert "registered adapter cli-sft (2 steps" in sft.stdout
    dpo = run_cli("tune", "dpo", "--dataset", version, "--no-progress", env=env, timeout=600)
    assert dpo.returncode == 0, dpo.stderr
    dpo_name = f"dpo-{version.lower()}"
    assert f"registered adapter {dpo_name}" in dpo.stdout
    with handbook.database.engine.begin() as conn:
        runs = conn.execute(
            text("SELECT kind, adapter, seed, metrics, finished_at FROM tuning_runs WHERE dataset_version = :v"),
            {"v": version},
        ).all()
    assert sorted((r.kind, r.adapter) for r in runs) == [("dpo", dpo_name), ("sft", "cli-sft")]
    assert all(r.finished_at and r.metrics["steps"] == 2 and r.metrics["seconds_per_step"] > 0 for r in runs)
    assert "cli-sft" in run_cli("tune", "runs", env=env).stdout
    empty = run_cli("tune", "sft", "--dataset", "no-such-version", env=env)
    assert empty.returncode == 2 and "no dataset version" in empty.stderr

    junk = _nonsense_adapter(dense_model, tmp_path)
    assert run_cli("adapters", "register", "junk", str(junk), "--activate", env=env).returncode == 0
    try:
        # Margin 0: a candidate must not be worse anywhere; against nonsense that is an honest bar for 2 steps.
        promoted = run_cli("adapters", "promote", "cli-sft", env={**env, "STEWARD_GATE_MARGIN": "0"}, timeout=600)
        assert promoted.returncode == 0, promoted.stdout + promoted.stderr[-2000:]
        assert "decision: promote" in promoted.stdout and "cli-sft is now active" in promoted.stdout
        assert handbook.adapters.active().name == "cli-sft"
        report = handbook.tuning.stored_report("cli-sft")
        assert report is not None and report.current.name == "junk"
        assert report.candidate.counts == {"answerable": 3, "unanswerable": 1, "general": 4}
        assert report.candidate.general > report.current.general

        strict = run_cli("adapters", "eval", dpo_name, "--json", env={**env, "STEWARD_GATE_MARGIN": "1.0"}, timeout=600)
        assert strict.returncode == 0, strict.stderr
        assert json.loads(strict.stdout)["decision"] == "refuse"
        assert json.loads(strict.stdout)["current"]["name"] == "cli-sft"
        refused = run_cli("adapters", "promote", dpo_name, env={**env, "STEWARD_GATE_MARGIN": "1.0"}, timeout=600)
        assert refused.returncode == 1 and "was not promoted" in refused.stderr
        assert handbook.adapters.active().name == "cli-sft"

        card = run_cli("model-card", "--out", str(tmp_path / "card.md"), env=env)
        assert card.returncode == 0, card.stderr
        body = (tmp_path / "card.md").read_text()
        assert "# Model card: cli-sft" in body and "Gate decision: **promote**" in body
        assert f"| domain_score | {report.candidate.domain_score:.3f} | {report.current.domain_score:.3f} |" in body
        assert f"Dataset {version}" in body and "quantization `none`" in body
        for heading in ("Intended use", "Training data", "Quantitative analyses", "Caveats and recommendations"):
            assert f"## {heading}" in body
    finally:
        handbook.adapters.activate(None)
