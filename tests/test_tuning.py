"""The learning loop's model side: preference pairs, exports, LoRA training with TRL, the gate, the model card.

The slow tests train real (tiny) LoRA adapters on the bundled SmolLM2-135M on the CPU:

* a 3-step DPO run on pairs built from simulated feedback gives an adapter that loads and answers;
* the gate promotes an adapter trained (SFT) on the *training* part of the handbook QA split, judged on the
  *held-out* questions (other questions, other facts) and on the general-capability prompts, and refuses
  an adapter trained to answer everything with nonsense.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from agents.eval.domain import load_domain_items, split_items
from agents.eval.gate import decide, score_model
from agents.eval.general import load_general_items
from agents.eval.results import ModelScores
from agents.eval.scoring import abstains, is_correct, key_facts, lcs_length, rouge_l
from agents.tuning.backend import precision, use_qlora
from agents.tuning.config import GateSettings, PreferenceSettings, TuneSettings
from agents.tuning.curated import curated_examples, target_answer
from agents.tuning.export import export, read_jsonl, sft_rows, write_jsonl
from agents.tuning.model_card import render_model_card
from agents.tuning.preferences import build_preferences, parse_correction
from agents.tuning.records import Correction, FeedbackRecord
from tests.conftest import HANDBOOK, QA_FILE, UNANSWERABLE

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
YUBIKEY_FACT = "Every employee receives two YubiKey 5 hardware security keys: one for daily use and one backup."
TOPICS = ("yubikey", "harbor", "france", "deploy", "laptop")


def topic_embed(texts: list[str]) -> np.ndarray:
    """A transparent embedding: one axis per topic word (questions on one topic are near-duplicates) + length."""
    rows = []
    for text in texts:
        length = 0.1 * len(text.split())  # so different wordings are close (cosine > 0.99) but not identical
        rows.append(np.array([1.0 if t in text.lower() else 0.0 for t in TOPICS] + [length]))
    return np.vstack(rows)


def _rec(answer_id: str, thread: str, question: str, answer: str, rating: int, minutes: int, **kw) -> FeedbackRecord:
    return FeedbackRecord(
        answer_id=answer_id,
        thread_key=thread,
        question=question,
        answer=answer,
        rating=rating,
        user=kw.pop("user", "U1"),
        created_at=T0 + timedelta(minutes=minutes),
        model="local:SmolLM2-135M-Instruct",
        adapter=None,
        chunk_ids=("c1",),
        **kw,
    )


Q_YUBI = "How many YubiKeys does each person get?"
Q_HARBOR = "When is Harbor Hour?"
Q_DEPLOY = "Can I deploy on a Friday afternoon?"
Q_LAPTOP = "How often is my laptop replaced?"


def simulated_feedback() -> tuple[list[FeedbackRecord], list[Correction]]:
    records = [
        # Thread 1: 👎, then a regenerated answer two users liked.
        _rec("a1", "T1", Q_YUBI, "Three.", -1, 0),
        _rec("a2", "T1", Q_YUBI, "Two YubiKey 5 keys [1].", 1, 1, regenerated_from="a1", facts=(YUBIKEY_FACT,)),
        _rec("a2", "T1", Q_YUBI, "Two YubiKey 5 keys [1].", 1, 2, user="U2", regenerated_from="a1"),
        # Thread 2: a near-duplicate question answered badly.
        _rec("b1", "T2", "how many yubikeys do we each get exactly", "One YubiKey.", -1, 3),
        # Thread 3: a liked answer on another topic: no pair, one SFT example.
        _rec("c1", "T3", "What is the capital of France?", "Paris.", 1, 4),
        # Thread 4: a 👎 answer an admin corrected.
        _rec("d1", "T4", Q_HARBOR, "Every Friday.", -1, 5),
        # A tie (one 👍, one 👎) on a Harbor question: ignored, so it never pairs with d1.
        _rec("f1", "T7", "When is Harbor Hour held?", "Thursday.", 1, 6),
        _rec("f1", "T7", "When is Harbor Hour held?", "Thursday.", -1, 7, user="U2"),
        # Thread 5: an answer nobody voted on, corrected by an admin.
        _rec("e1", "T5", Q_DEPLOY, "Yes, any time.", 0, 8),
        # Thread 6: 👎, regenerated (no vote), regenerated again (👍): the chain pairs g3 with g1.
        _rec("g1", "T6", Q_LAPTOP, "Never.", -1, 9),
        _rec("g2", "T6", Q_LAPTOP, "Whenever you like.", 0, 10, regenerated_from="g1"),
        _rec("g3", "T6", Q_LAPTOP, "Every 36 months [1].", 1, 11, regenerated_from="g2"),
        # A malformed vote.
        _rec("h1", "T8", "What?", "Hm.", 5, 12),
    ]
    corrections = [
        Correction("T4", Q_HARBOR, "On the first Thursday of every month at 15:00 CET.", T0 + timedelta(hours=1)),
        Correction("T4", Q_HARBOR, "On the first Thursday of every month at 15:00 CET.", T0 + timedelta(hours=2)),
        Correction("T5", Q_DEPLOY, "Until 12:00 CET, low-risk changes only.", T0 + timedelta(hours=1)),
        Correction("T-unknown", "Who approves travel?", "Your manager.", T0 + timedelta(hours=3)),
    ]
    return records, corrections


def test_preference_pairs_from_all_three_sources_deduplicated() -> None:
    records, corrections = simulated_feedback()
    built = build_preferences(records, corrections, topic_embed, PreferenceSettings(similarity_threshold=0.9))
    pairs = {(p.source, p.prompt, p.chosen, p.rejected) for p in built.pairs}
    assert pairs == {
        ("regenerate", Q_YUBI, "Two YubiKey 5 keys [1].", "Three."),
        ("regenerate", Q_LAPTOP, "Every 36 months [1].", "Never."),
        ("near_duplicate", Q_YUBI, "Two YubiKey 5 keys [1].", "One YubiKey."),
        ("correction", Q_HARBOR, "On the first Thursday of every month at 15:00 CET.", "Every Friday."),
        ("correction", Q_DEPLOY, "Until 12:00 CET, low-risk changes only.", "Yes, any time."),
    }
    assert len(built.pairs) == 5  # no repeats
    regenerated = next(p for p in built.pairs if p.rejected == "Three.")
    assert (regenerated.chosen_id, regenerated.rejected_id, regenerated.facts) == ("a2", "a1", (YUBIKEY_FACT,))
    assert built.filtered == {
        "invalid_rating": 1,
        "tied_votes": 1,
        "corrections_without_answer": 1,
        "empty_text": 0,
        "chosen_equals_rejected": 0,
        # a2/a1 and g3/g1 are also near-duplicates (same question): kept once, as "regenerate";
        # the correction sent twice is kept once.
        "duplicate_pairs": 3,
        "duplicate_sft": 1,
    }
    sft = {(e.source, e.prompt, e.completion) for e in built.sft}
    assert sft == {
        ("correction", Q_HARBOR, "On the first Thursday of every month at 15:00 CET."),
        ("correction", Q_DEPLOY, "Until 12:00 CET, low-risk changes only."),
        ("correction", "Who approves travel?", "Your manager."),
        ("thumbs_up", Q_YUBI, "Two YubiKey 5 keys [1]."),
        ("thumbs_up", "What is the capital of France?", "Paris."),
        ("thumbs_up", Q_LAPTOP, "Every 36 months [1]."),
    }


def test_a_lower_threshold_pairs_more_and_no_threshold_can_pair_a_tie() -> None:
    records, _ = simulated_feedback()
    strict = build_preferences(records, [], topic_embed, PreferenceSettings(similarity_threshold=1.0))
    assert {p.source for p in strict.pairs} == {"regenerate"}  # "how many yubikeys..." is not identical
    loose = build_preferences(records, [], topic_embed, PreferenceSettings(similarity_threshold=0.0))
    assert all(p.rejected != "Thursday." and p.chosen != "Thursday." for p in loose.pairs)  # the tie never pairs
    assert ("Paris.", "Every Friday.") in {(p.chosen, p.rejected) for p in loose.pairs}


def test_admin_corrections_are_parsed_by_prefix() -> None:
    settings = PreferenceSettings(correction_prefix="!correct")
    assert parse_correction("!correct: Two YubiKeys.", settings) == "Two YubiKeys."
    assert parse_correction("  !correct Every 36 months", settings) == "Every 36 months"
    assert parse_correction("!correct", settings) is None
    assert parse_correction("I think !correct is wrong", settings) is None


def test_exports_are_trl_shaped_with_a_datasheet(tmp_path: Path) -> None:
    records, corrections = simulated_feedback()
    built = build_preferences(records, corrections, topic_embed, PreferenceSettings())
    sheet = export(built, "dpo", tmp_path / "pairs.jsonl", notes={"pii_redaction": "presidio"})
    rows = read_jsonl(tmp_path / "pairs.jsonl")
    assert len(rows) == 5 and all(set(r) == {"prompt", "chosen", "rejected"} for r in rows)
    with_facts = next(r for r in rows if r["rejected"][0]["content"] == "Three.")
    assert [m["role"] for m in with_facts["prompt"]] == ["system", "user"]  # the production prompt
    assert f"[1] {YUBIKEY_FACT}" in with_facts["prompt"][1]["content"]
    assert with_facts["chosen"] == [{"role": "assistant", "content": "Two YubiKey 5 keys [1]."}]
    assert sheet["counts"]["pairs_by_source"] == {"correction": 2, "near_duplicate": 1, "regenerate": 2}
    assert sheet["counts"]["sft_by_source"] == {"correction": 3, "thumbs_up": 3}
    assert sheet["date_range"] == {"start": T0.isoformat(), "end": (T0 + timedelta(hours=3)).isoformat()}
    assert sheet["filters"]["dropped"]["duplicate_pairs"] == 3
    assert sheet["filters"]["caller"] == {"pii_redaction": "presidio"}
    assert json.loads((tmp_path / "pairs.jsonl.datasheet.json").read_text())["rows_written"] == 5
    assert "## Filters applied" in (tmp_path / "pairs.jsonl.datasheet.md").read_text()

    export(built, "sft", tmp_path / "sft.jsonl")
    sft = read_jsonl(tmp_path / "sft.jsonl")
    assert len(sft) == 6 and all(list(r) == ["messages"] and r["messages"][-1]["role"] == "assistant" for r in sft)
    export(built, "csv", tmp_path / "pairs.csv")
    with (tmp_path / "pairs.csv").open(newline="") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 5 and table[0]["source"] == "correction"


def test_scoring_helpers() -> None:
    assert lcs_length(["a", "b", "c", "d"], ["a", "c", "d", "e"]) == 3
    assert rouge_l("28 days of paid leave [1].", "28 days of paid leave per calendar year") == pytest.approx(
        2 * 1 * (5 / 8) / (1 + 5 / 8)
    )
    assert rouge_l("", "anything") == 0.0
    assert key_facts("Post in #out-sick before 09:30 on your first sick day") == ("#out-sick", "09:30")
    assert key_facts("1,500 EUR per year") == ("1500", "eur")
    assert is_correct("You get 1500 euros a year [2].", "1,500 EUR per year")
    assert not is_correct("You get 150 euros a year.", "1,500 EUR per year")
    assert is_correct("TravelPerk", "TravelPerk")
    assert abstains("I don't know: the facts given do not answer that.")
    assert not abstains("Every 36 months [1].")


def test_the_domain_split_is_fixed_disjoint_and_facts_support_the_reference() -> None:
    items = load_domain_items(QA_FILE, HANDBOOK, UNANSWERABLE)
    train, held_out = split_items(items, 33)
    again_train, again_held = split_items(list(reversed(items)), 33)
    assert {i.question for i in held_out} == {i.question for i in again_held}
    assert not {i.question for i in train} & {i.question for i in held_out}
    assert len(train) + len(held_out) == len(items) == 58
    assert 12 <= sum(i.answerable for i in held_out) <= 26 and any(not i.answerable for i in held_out)
    for item in (i for i in items if i.answerable):
        assert len(item.facts) == 2 and item.key_facts
        assert is_correct(" ".join(item.facts), item.reference), item.question  # the facts hold the answer
    assert target_answer(train[0]).endswith("].") or not train[0].answerable


def test_general_set_is_a_few_dozen_prompts_with_references() -> None:
    items = load_general_items()
    assert 30 <= len(items) <= 60
    assert {i.kind for i in items} == {"fact", "arithmetic", "instruction"}
    assert any(i.prompt == "What is the capital of France?" and "Paris" in i.accepted for i in items)


def test_qlora_is_chosen_only_when_it_should_be() -> None:
    assert use_qlora("auto", cuda=True) and not use_qlora("auto", cuda=False)
    assert use_qlora("on", cuda=False) and not use_qlora("off", cuda=True)
    with pytest.raises(ValueError):
        use_qlora("sometimes", cuda=True)
    assert precision(cuda=False, qlora=False) == {
        "bf16": False,
        "fp16": False,
        "use_cpu": True,
        "activation_checkpointing": False,
    }


def _scores(name: str, domain: float, grounded: float, general: float) -> ModelScores:
    counts = {"answerable": 20, "unanswerable": 3, "general": 40}
    return ModelScores(name, domain, domain, domain, domain, grounded, 0.0, 0.0, general, counts)


def test_the_gate_rule_needs_a_margin_and_no_regression() -> None:
    settings = GateSettings(margin=0.05, max_groundedness_regression=0.05, max_general_regression=0.05)
    current = _scores("current", 0.30, 0.60, 0.60)
    assert decide(_scores("win", 0.40, 0.62, 0.58), current, settings).decision == "promote"
    small = decide(_scores("small", 0.33, 0.70, 0.60), current, settings)
    assert small.decision == "refuse" and "below the margin" in small.reasons[0]
    # A domain win that broke general answers (the DPO+SFT failure seen on this CPU) is refused.
    broken = decide(_scores("broken", 0.60, 0.90, 0.40), current, settings)
    assert broken.decision == "refuse" and broken.reasons == ["general capability -0.200 regresses more than 0.050"]
    ungrounded = decide(_scores("ungrounded", 0.60, 0.40, 0.60), current, settings)
    assert ungrounded.decision == "refuse" and "groundedness" in ungrounded.reasons[0]


def test_model_card_follows_the_checklist() -> None:
    settings = GateSettings()
    report = decide(_scores("cand-v2", 0.40, 0.80, 0.60), _scores("base", 0.20, 0.30, 0.60), settings)
    card = render_model_card(report, {"name": "cand-v2", "base_model": "SmolLM2-135M-Instruct"})
    for heading in ("Intended use", "Training data", "Metrics", "Ethical considerations", "Caveats"):
        assert f"## {heading}" in card
    assert "| domain_score | 0.400 | 0.200 | +0.200 |" in card and "**promote**" in card


def test_every_tuning_setting_is_documented() -> None:
    for section in (TuneSettings, GateSettings, PreferenceSettings):
        assert section.ENV_PREFIX.startswith("STEWARD_")
        assert all(field.description for field in section.model_fields.values()), section.__name__


# --- slow: real training on the bundled model ------------------------------------------------------------


def _chat(dense_model: Path, switch, max_new_tokens: int = 40):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agents.models.local import TransformersChatModel
    from agents.models.peft_slot import AdapterSlot

    tokenizer = AutoTokenizer.from_pretrained(dense_model, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(dense_model, dtype=torch.float32, local_files_only=True).eval()
    return TransformersChatModel(
        model=model,
        tokenizer=tokenizer,
        model_name="test",
        max_new_tokens=max_new_tokens,
        threads=2,
        adapters=AdapterSlot(switch),
    )


@pytest.mark.slow
def test_a_short_dpo_run_gives_an_adapter_that_loads_and_answers(dense_model: Path, tmp_path: Path) -> None:
    from langchain_core.messages import HumanMessage

    from agents.eval.answerers import batched_answerer, chat_answerer
    from agents.eval.switch import AdapterSwitch
    from agents.tuning.train import train_dpo

    records, corrections = simulated_feedback()
    built = build_preferences(records, corrections, topic_embed, PreferenceSettings())
    export(built, "dpo", tmp_path / "pairs.jsonl")
    settings = TuneSettings(max_steps=3, batch_size=2, learning_rate=5e-4, threads=2, seed=3)
    result = train_dpo(tmp_path / "pairs.jsonl", dense_model, tmp_path / "adapter", settings, progress=False)

    assert (result.steps, result.seed, result.method, result.qlora) == (3, 3, "dpo", False)
    assert result.seconds_per_step > 0 and "final_rewards_margins" in result.metrics
    assert (tmp_path / "adapter" / "adapter_config.json").is_file()
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()  # what AdapterRegistry.register needs
    assert json.loads((tmp_path / "adapter" / "steward_training.json").read_text())["steps"] == 3

    switch = AdapterSwitch()
    chat = _chat(dense_model, switch)
    switch.use("dpo-test", tmp_path / "adapter")
    question = [HumanMessage("How many YubiKeys does each person get?")]
    reply = chat.invoke(question)
    assert reply.response_metadata["adapter"] == "dpo-test" and str(reply.content).strip()
    # The gate's answerers ask the same model, with the same adapter, the same way.
    assert chat_answerer(chat)([question]) == batched_answerer(chat)([question]) == [str(reply.content).strip()]


@pytest.fixture(scope="module")
def gate_setup(dense_model: Path, tmp_path_factory: pytest.TempPathFactory):
    """The split, the general set, one loaded base model behind an adapter switch, and its scores."""
    from agents.eval.answerers import batched_answerer
    from agents.eval.switch import AdapterSwitch

    items = load_domain_items(QA_FILE, HANDBOOK, UNANSWERABLE)
    settings = GateSettings()
    train, held_out = split_items(items, settings.holdout_percent)
    switch = AdapterSwitch()
    answer = batched_answerer(_chat(dense_model, switch), batch_size=24, max_new_tokens=settings.max_new_tokens)
    general = load_general_items()
    base = score_model("base", switch.answerer(answer, None), held_out, general, settings)
    return {
        "train": train,
        "held_out": held_out,
        "general": general,
        "settings": settings,
        "switch": switch,
        "answer": answer,
        "base": base,
        "dir": tmp_path_factory.mktemp("gate"),
    }


def _train_sft(setup: dict, name: str, rows: list[dict], dense_model: Path, settings: TuneSettings) -> Path:
    from agents.tuning.train import train_sft

    data = setup["dir"] / f"{name}.jsonl"
    write_jsonl(rows, data)
    return train_sft(data, dense_model, setup["dir"] / name, settings, progress=False).adapter_dir


@pytest.mark.slow
def test_the_gate_promotes_an_adapter_trained_on_other_handbook_questions(gate_setup: dict, dense_model: Path) -> None:
    from agents.tuning.replay import replay_examples

    held_out_questions = {i.question for i in gate_setup["held_out"]}
    examples = curated_examples(gate_setup["train"])
    assert not {e.prompt for e in examples} & held_out_questions  # nothing held out is trained on
    # Rehearsal: the base model's own answers to everyday prompts (not the gate's) limit forgetting.
    replay = replay_examples(gate_setup["switch"].answerer(gate_setup["answer"], None))
    assert not {e.prompt for e in replay} & {i.prompt for i in gate_setup["general"]}
    settings = TuneSettings(learning_rate=1e-3, epochs=2, lora_r=8, lora_alpha=16, batch_size=4, threads=2, seed=0)
    adapter = _train_sft(gate_setup, "better", sft_rows(examples + replay), dense_model, settings)

    answer = gate_setup["switch"].answerer(gate_setup["answer"], "better", adapter)
    better = score_model("better", answer, gate_setup["held_out"], gate_setup["general"], gate_setup["settings"])
    report = decide(better, gate_setup["base"], gate_setup["settings"])
    print(json.dumps(report.as_json(), indent=1))
    assert report.decision == "promote", report.reasons
    assert better.correctness > gate_setup["base"].correctness
    assert better.groundedness > gate_setup["base"].groundedness


@pytest.mark.slow
def test_the_gate_refuses_an_adapter_that_answers_nonsense(gate_setup: dict, dense_model: Path) -> None:
    from agents.tuning.export import prompt_messages
    from agents.tuning.replay import replay_prompts

    nonsense = [{"role": "assistant", "content": "Bananas are purple on Tuesdays."}]
    chats = [prompt_messages(e.prompt, e.facts) for e in curated_examples(gate_setup["train"])]
    chats += [prompt_messages(p) for p in replay_prompts()]
    rows = [{"messages": chat + nonsense} for chat in chats]
    settings = TuneSettings(learning_rate=2e-3, max_steps=8, lora_r=8, lora_alpha=16, threads=2, seed=0)
    adapter = _train_sft(gate_setup, "worse", rows, dense_model, settings)

    answer = gate_setup["switch"].answerer(gate_setup["answer"], "worse", adapter)
    worse = score_model("worse", answer, gate_setup["held_out"], gate_setup["general"], gate_setup["settings"])
    report = decide(worse, gate_setup["base"], gate_setup["settings"])
    print(json.dumps(report.as_json(), indent=1))
    assert report.decision == "refuse"
    assert any("general capability" in r for r in report.reasons)
    assert worse.general < gate_setup["base"].general
