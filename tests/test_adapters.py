"""LoRA adapter registry: register, switch without a restart, answer with the adapter, record it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import torch
from sqlalchemy import text

from agents.models.adapters import AdapterError
from bot.container import Steward
from bot.pipeline.message import IncomingMessage, Reply
from tests.conftest import cli_env, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def adapter_dir(tmp_path_factory: pytest.TempPathFactory, dense_model: Path) -> Path:
    """A real PEFT LoRA adapter for the bundled model, with non-zero weights so it changes answers."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(7)
    base = AutoModelForCausalLM.from_pretrained(dense_model, dtype=torch.float32, local_files_only=True)
    config = LoraConfig(r=4, lora_alpha=64, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    peft_model = get_peft_model(base, config)
    out = tmp_path_factory.mktemp("adapter") / "noisy"
    peft_model.save_pretrained(out)
    return out


def _ask(app: Steward, thread: str) -> tuple[str, str | None]:
    message = IncomingMessage(
        platform="test",
        tenant="acme",
        channel="general",
        user="U9",
        text="how many YubiKeys does each person get?",
        thread=thread,
        collections=("handbook",),
    )
    reply = asyncio.run(app.pipeline.handle(message))
    with app.database.engine.connect() as conn:
        adapter = conn.execute(text("select adapter from answers where id = :i"), {"i": reply.answer_id}).scalar()
    return reply.text, adapter


async def _last(stream: AsyncIterator[str | Reply]) -> Reply:
    items = [item async for item in stream]
    assert isinstance(items[-1], Reply)
    return items[-1]


def test_register_switch_and_answer_with_an_adapter(handbook: Steward, adapter_dir: Path) -> None:
    base_text, base_adapter = _ask(handbook, "a-1")
    assert base_adapter is None

    info = handbook.adapters.register("noisy-v1", adapter_dir, metrics={"note": "test"})
    assert info.path.is_dir() and (info.path / "adapter_config.json").is_file() and not info.active
    with pytest.raises(AdapterError, match="already exists"):
        handbook.adapters.register("noisy-v1", adapter_dir)

    handbook.adapters.activate("noisy-v1")  # no restart: the loaded model picks it up on the next answer
    model = handbook.chat_model()
    tuned = model.invoke("Say hello.")
    assert tuned.response_metadata["adapter"] == "noisy-v1"
    _, recorded = _ask(handbook, "a-2")
    assert recorded == "noisy-v1"
    streamed = IncomingMessage("slack", "acme", "C-ad", "U9", "how many YubiKeys does each person get?")
    reply = asyncio.run(_last(handbook.pipeline.stream(streamed)))
    with handbook.database.engine.connect() as conn:
        adapter = conn.execute(text("select adapter from answers where id = :i"), {"i": reply.answer_id}).scalar()
    assert adapter == "noisy-v1"  # recorded for streamed answers too

    handbook.adapters.activate(None)
    plain = model.invoke("Say hello.")
    assert plain.response_metadata["adapter"] is None
    assert plain.content != tuned.content  # the adapter really changed the generation
    assert _ask(handbook, "a-3") == (base_text, None)  # and switching back restores the base exactly


def test_bad_adapter_directories_are_refused(steward: Steward, tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match="not a PEFT adapter"):
        steward.adapters.register("empty", tmp_path)
    with pytest.raises(AdapterError, match="invalid adapter name"):
        steward.adapters.register("../escape", tmp_path)
    with pytest.raises(AdapterError, match="no adapter named"):
        steward.adapters.activate("missing")


def test_adapters_cli(settings, adapter_dir: Path) -> None:
    env = cli_env(settings.core.data_dir)
    registered = run_cli("adapters", "register", "cli-adapter", str(adapter_dir), "--activate", env=env)
    assert registered.returncode == 0, registered.stderr
    listed = run_cli("adapters", "list", env=env)
    assert "* cli-adapter" in listed.stdout
    assert run_cli("adapters", "deactivate", env=env).returncode == 0
    assert "* cli-adapter" not in run_cli("adapters", "list", env=env).stdout
    missing = run_cli("adapters", "register", "x", "/nope", env=env)
    assert missing.returncode == 2 and "not a PEFT adapter" in missing.stderr


def test_a_merged_adapter_answers_like_the_adapter(
    settings, adapter_dir: Path, dense_model: Path, tmp_path: Path
) -> None:
    """``steward adapters merge``: base + LoRA baked into one directory generates what base + adapter did."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    env = cli_env(settings.core.data_dir)
    assert run_cli("adapters", "register", "merge-me", str(adapter_dir), env=env).returncode == 0
    merged = run_cli("adapters", "merge", "merge-me", "--out", str(tmp_path / "merged"), env=env)
    assert merged.returncode == 0, merged.stderr
    assert "STEWARD_LLM_MODEL_DIR=" in merged.stdout
    again = run_cli("adapters", "merge", "merge-me", "--out", str(tmp_path / "merged"), env=env)
    assert again.returncode == 2 and "not empty" in again.stderr

    from peft import PeftModel

    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "merged")
    ids = tokenizer("How many YubiKeys does each person get?", return_tensors="pt")["input_ids"]
    base = AutoModelForCausalLM.from_pretrained(dense_model, dtype=torch.float32)
    with torch.inference_mode():
        plain = base(ids).logits
        with_adapter = PeftModel.from_pretrained(base, str(adapter_dir))(ids).logits
        baked = AutoModelForCausalLM.from_pretrained(tmp_path / "merged", dtype=torch.float32)(ids).logits
    assert torch.allclose(baked, with_adapter, atol=1e-3)  # the merged weights are base + adapter
    assert not torch.allclose(baked, plain, atol=1e-1)  # and the adapter really is in them
