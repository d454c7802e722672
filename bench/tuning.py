"""The tuning benchmark: seconds per LoRA training step on the CPU, and base against a tuned adapter.

Run: ``.venv/bin/python -c "from bench.tuning import run_tuning_bench; print(run_tuning_bench())"``.

* Step time: SFT (batch 4) and DPO (batch 2) with LoRA r=8 on q_proj/v_proj, fp32 on the CPU, with 1 and
  2 torch threads; a few steps each, the median step reported (the first step warms up).
* Held-out score: an adapter tuned (SFT) on the training part of the handbook QA split plus rehearsal of
  the base model's own everyday answers, scored by the gate against the base model on the held-out part
  (other questions, other facts) and on the general-capability set.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from agents.eval.answerers import Answerer, batched_answerer
from agents.eval.domain import load_domain_items, split_items
from agents.eval.gate import decide, score_model
from agents.eval.general import load_general_items
from agents.eval.items import DomainItem
from agents.eval.switch import AdapterSwitch
from agents.models.convert import bundled_gguf, ensure_dense
from agents.models.local import TransformersChatModel
from agents.models.peft_slot import AdapterSlot
from agents.tuning.config import GateSettings, TuneSettings
from agents.tuning.curated import curated_examples, target_answer
from agents.tuning.export import prompt_messages, sft_rows, write_jsonl
from agents.tuning.replay import replay_examples
from agents.tuning.result import TrainResult
from agents.tuning.train import train_dpo, train_sft
from bench.dataset import HANDBOOK, MODEL_CACHE, QA_FILE, UNANSWERABLE

TIMED_STEPS = 4
BETTER = {"learning_rate": 1e-3, "epochs": 2.0, "lora_r": 8, "lora_alpha": 16, "batch_size": 4, "seed": 0}


def _dpo_rows(items: list[DomainItem]) -> list[dict[str, Any]]:
    """Timing pairs: the cited reference answer against another item's answer (realistic lengths)."""
    answerable = [i for i in items if i.answerable]
    shifted = answerable[1:] + answerable[:1]
    return [
        {
            "prompt": prompt_messages(item.question, item.facts),
            "chosen": [{"role": "assistant", "content": target_answer(item)}],
            "rejected": [{"role": "assistant", "content": target_answer(other)}],
        }
        for item, other in zip(answerable, shifted, strict=True)
    ]


def step_times(model_dir: Path, train: list[DomainItem], work: Path) -> dict[str, Any]:
    """Median seconds per step of SFT and DPO with 1 and 2 threads."""
    write_jsonl(sft_rows(curated_examples(train)), work / "sft.jsonl")
    write_jsonl(_dpo_rows(train), work / "dpo.jsonl")
    results: dict[str, Any] = {}
    for threads in (1, 2):
        for method, batch, run in (("sft", 4, train_sft), ("dpo", 2, train_dpo)):
            settings = TuneSettings(max_steps=TIMED_STEPS, batch_size=batch, threads=threads, lora_r=8, lora_alpha=16)
            result = run(work / f"{method}.jsonl", model_dir, work / f"{method}-{threads}", settings, progress=False)
            results[f"{method}_threads{threads}"] = {
                "seconds_per_step": result.seconds_per_step,
                "batch_size": batch,
                "steps": result.steps,
                "final_loss": round(result.metrics.get("final_loss", float("nan")), 4),
            }
    return results


def _chat(model_dir: Path, switch: AdapterSwitch) -> TransformersChatModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, local_files_only=True).eval()
    return TransformersChatModel(
        model=model, tokenizer=tokenizer, model_name="bench", max_new_tokens=40, threads=2, adapters=AdapterSlot(switch)
    )


def train_handbook_adapter(
    model_dir: Path, train: list[DomainItem], base_answer: Answerer, work: Path, out: Path | None = None
) -> tuple[TrainResult, list[Any]]:
    """SFT on the training part of the handbook QA split plus rehearsal of the base model's everyday answers."""
    examples = curated_examples(train) + replay_examples(base_answer)
    write_jsonl(sft_rows(examples), work / "handbook.jsonl")
    settings = TuneSettings(threads=2, **BETTER)
    return train_sft(work / "handbook.jsonl", model_dir, out or work / "handbook", settings, False), examples


def held_out_scores(model_dir: Path, train: list[DomainItem], held_out: list[DomainItem], work: Path) -> dict:
    """Train the handbook adapter, then gate it against the base model on the held-out questions."""
    gate = GateSettings()
    switch = AdapterSwitch()
    answer = batched_answerer(_chat(model_dir, switch), batch_size=24, max_new_tokens=gate.max_new_tokens)
    general = load_general_items()
    base = score_model("base", switch.answerer(answer, None), held_out, general, gate)
    started = time.perf_counter()
    result, examples = train_handbook_adapter(model_dir, train, switch.answerer(answer, None), work)
    seconds = time.perf_counter() - started
    tuned = score_model(
        "handbook-sft", switch.answerer(answer, "handbook", result.adapter_dir), held_out, general, gate
    )
    report = decide(tuned, base, gate)
    return {
        "training": {"examples": len(examples), "steps": result.steps, "seconds": round(seconds, 1), **BETTER},
        "base": base.as_json(),
        "adapter": tuned.as_json(),
        "deltas": report.deltas,
        "decision": report.decision,
        "reasons": report.reasons,
    }


def run_tuning_bench() -> dict[str, Any]:
    """Step times (SFT, DPO; 1 and 2 threads) and the base-against-adapter gate result on the held-out set."""
    model_dir = ensure_dense(bundled_gguf(), MODEL_CACHE)
    items = load_domain_items(QA_FILE, HANDBOOK, UNANSWERABLE)
    train, held_out = split_items(items, GateSettings().holdout_percent)
    with tempfile.TemporaryDirectory(prefix="steward-tuning-bench-") as tmp:
        work = Path(tmp)
        steps = step_times(model_dir, train, work)
        scores = held_out_scores(model_dir, train, held_out, work)
    return {
        "split": {"train": len(train), "held_out": len(held_out)},
        "step_times": steps,
        "held_out": scores,
    }


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.tuning``: the benchmark; ``--adapter-out DIR``: only train the handbook adapter into DIR."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.tuning")
    parser.add_argument("--adapter-out", type=Path, help="only train the handbook adapter (for the model card demo)")
    args = parser.parse_args(argv)
    if args.adapter_out is None:
        print(json.dumps(run_tuning_bench(), indent=2))
        return
    model_dir = ensure_dense(bundled_gguf(), MODEL_CACHE)
    train, _ = split_items(load_domain_items(QA_FILE, HANDBOOK, UNANSWERABLE), GateSettings().holdout_percent)
    switch = AdapterSwitch()
    answer = batched_answerer(_chat(model_dir, switch), batch_size=24, max_new_tokens=GateSettings().max_new_tokens)
    with tempfile.TemporaryDirectory(prefix="steward-handbook-adapter-") as tmp:
        result, examples = train_handbook_adapter(model_dir, train, answer, Path(tmp), args.adapter_out)
    print(f"trained {args.adapter_out} on {len(examples)} examples in {result.steps} steps")


if __name__ == "__main__":
    main()
