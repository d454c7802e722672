"""LoRA / QLoRA tuning with TRL: ``train_sft`` on ``{"messages"}`` JSONL, ``train_dpo`` on preference JSONL.

On the CPU the base model is trained in fp32 with ``bf16=False, use_cpu=True`` (TRL 1.16 needs both set);
on CUDA, with ``qlora`` resolving on, it is loaded in 4-bit nf4 and prepared with
``prepare_model_for_kbit_training`` (see ``agents.tuning.backend``). The output directory is a plain PEFT
adapter (``adapter_config.json`` + ``adapter_model.safetensors``) that ``AdapterRegistry.register``
accepts, plus ``steward_training.json`` with what the run was and measured.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import structlog

from agents.models.adapters import TRAINING_RECORD
from agents.tuning.backend import cuda_available, load_base, lora_config, precision, use_qlora
from agents.tuning.config import TuneSettings
from agents.tuning.jsonl import read_jsonl
from agents.tuning.result import TrainResult, TuneError
from agents.tuning.timing import StepTimer
from agents.tuning.tracking import log_to_mlflow

TRAINING_FILE = TRAINING_RECORD
_SKIPPED_LOG_KEYS = ("epoch", "step", "learning_rate", "grad_norm")
log = structlog.stdlib.get_logger(__name__)


def sft_row(row: dict[str, Any]) -> dict[str, Any]:
    """``{"messages"}`` → ``{"prompt", "completion"}`` (the loss then covers the final answer only)."""
    if "prompt" in row and "completion" in row:
        return {"prompt": row["prompt"], "completion": row["completion"]}
    messages = row.get("messages")
    if not messages or messages[-1].get("role") != "assistant" or len(messages) < 2:
        raise TuneError('each SFT row needs "messages" ending with an assistant message after a prompt')
    return {"prompt": messages[:-1], "completion": messages[-1:]}


def dpo_row(row: dict[str, Any]) -> dict[str, Any]:
    """A preference row, checked: ``prompt``, ``chosen`` and ``rejected``."""
    if not all(row.get(key) for key in ("prompt", "chosen", "rejected")):
        raise TuneError('each DPO row needs "prompt", "chosen" and "rejected"')
    return {"prompt": row["prompt"], "chosen": row["chosen"], "rejected": row["rejected"]}


def _common_args(settings: TuneSettings, work_dir: Path, cuda: bool, qlora: bool, progress: bool) -> dict[str, Any]:
    steps = {"max_steps": settings.max_steps} if settings.max_steps > 0 else {"num_train_epochs": settings.epochs}
    return {
        "output_dir": str(work_dir),
        "per_device_train_batch_size": settings.batch_size,
        "gradient_accumulation_steps": 1,
        "learning_rate": settings.learning_rate,
        "lr_scheduler_type": "linear",
        "warmup_steps": 0,
        "logging_steps": 1,
        "save_strategy": "no",
        "report_to": "none",
        "seed": settings.seed,
        "data_seed": settings.seed,
        "disable_tqdm": not progress,
        "dataloader_num_workers": 0,
        "max_length": settings.max_length,
        "activation_checkpointing_kwargs": {"use_reentrant": False},
        **steps,
        **precision(cuda, qlora),
    }


def _sft_trainer(model: Any, tokenizer: Any, rows: list[dict[str, Any]], args: dict[str, Any], s: TuneSettings) -> Any:
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    config = SFTConfig(**args, packing=False)
    data = Dataset.from_list([sft_row(r) for r in rows])
    return SFTTrainer(
        model=model, args=config, train_dataset=data, processing_class=tokenizer, peft_config=lora_config(s)
    )


def _dpo_trainer(model: Any, tokenizer: Any, rows: list[dict[str, Any]], args: dict[str, Any], s: TuneSettings) -> Any:
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    losses: dict[str, Any] = {}
    if s.sft_weight:
        losses = {"loss_type": ["sigmoid", "sft"], "loss_weights": [1.0, s.sft_weight]}
    config = DPOConfig(**args, beta=s.beta, **losses)
    data = Dataset.from_list([dpo_row(r) for r in rows])
    return DPOTrainer(
        model=model, args=config, train_dataset=data, processing_class=tokenizer, peft_config=lora_config(s)
    )


def _metrics(history: list[dict[str, Any]], summary: dict[str, Any]) -> dict[str, float]:
    steps = [entry for entry in history if "loss" in entry]
    metrics: dict[str, float] = {}
    if steps:
        metrics["first_loss"] = float(steps[0]["loss"])
        for key, value in steps[-1].items():
            if isinstance(value, int | float) and key not in _SKIPPED_LOG_KEYS:
                metrics["final_" + key.replace("/", "_")] = float(value)
    for key in ("train_loss", "train_runtime", "train_samples_per_second"):
        if isinstance(summary.get(key), int | float):
            metrics[key] = float(summary[key])
    return metrics


def _hyperparameters(settings: TuneSettings, cuda: bool, qlora: bool) -> dict[str, Any]:
    params = settings.model_dump(exclude={"mlflow_tracking_uri", "mlflow_experiment"})
    return {**params, "qlora": "on" if qlora else "off", "device": "cuda" if cuda else "cpu"}


def _fit(
    method: str,
    rows: list[dict[str, Any]],
    base_model_dir: Path,
    settings: TuneSettings,
    placement: tuple[bool, bool],
    progress: bool,
) -> tuple[Any, Any, StepTimer]:
    """Build the trainer, train in a scratch directory; returns ``(trainer, train output, step timer)``."""
    from transformers import AutoTokenizer
    from transformers.trainer_callback import PrinterCallback

    cuda, qlora = placement
    tokenizer = AutoTokenizer.from_pretrained(base_model_dir, local_files_only=True)
    model = load_base(base_model_dir, qlora, cuda)
    timer = StepTimer()
    with tempfile.TemporaryDirectory(prefix="steward-tune-") as work:
        args = _common_args(settings, Path(work), cuda, qlora, progress)
        build = _sft_trainer if method == "sft" else _dpo_trainer
        trainer = build(model, tokenizer, rows, args, settings)
        trainer.add_callback(timer)
        if args["disable_tqdm"]:
            trainer.remove_callback(PrinterCallback)  # no per-step log lines either
        output = trainer.train()
    return trainer, output, timer


def _train(
    method: str, dataset_path: Path, base_model_dir: Path, out_dir: Path, settings: TuneSettings, progress: bool
) -> TrainResult:
    import torch

    try:
        rows = read_jsonl(dataset_path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TuneError(f"cannot train on {dataset_path}: {exc}") from exc
    if not rows:
        raise TuneError(f"{dataset_path} has no examples")
    for row in rows:  # check every row before the model is loaded
        (sft_row if method == "sft" else dpo_row)(row)
    cuda = cuda_available()
    qlora = use_qlora(settings.qlora, cuda)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        trainer, output, timer = _fit(method, rows, base_model_dir, settings, (cuda, qlora), progress)
        out_dir.mkdir(parents=True, exist_ok=True)
        trainer.model.save_pretrained(out_dir)
    finally:
        torch.set_num_threads(previous_threads)
    result = TrainResult(
        adapter_dir=out_dir,
        metrics=_metrics(trainer.state.log_history, dict(output.metrics)),
        seconds_per_step=timer.seconds_per_step(),
        steps=int(trainer.state.global_step),
        seed=settings.seed,
        hyperparameters=_hyperparameters(settings, cuda, qlora),
        method=method,
        device="cuda" if cuda else "cpu",
        qlora=qlora,
        examples=len(rows),
        dataset=str(dataset_path),
    )
    (out_dir / TRAINING_FILE).write_text(json.dumps(result.as_json(), indent=2) + "\n", encoding="utf-8")
    log.info("tune.finished", method=method, steps=result.steps, seconds_per_step=result.seconds_per_step)
    log_to_mlflow(result, settings)
    return result


def train_sft(
    dataset_path: Path, base_model_dir: Path, out_dir: Path, settings: TuneSettings, progress: bool = True
) -> TrainResult:
    """Supervised LoRA fine-tuning on ``{"messages": [...]}`` rows (loss on the final assistant message)."""
    return _train("sft", dataset_path, base_model_dir, out_dir, settings, progress)


def train_dpo(
    dataset_path: Path, base_model_dir: Path, out_dir: Path, settings: TuneSettings, progress: bool = True
) -> TrainResult:
    """DPO LoRA tuning on ``{"prompt", "chosen", "rejected"}`` rows (plus an SFT loss when ``sft_weight`` > 0)."""
    return _train("dpo", dataset_path, base_model_dir, out_dir, settings, progress)
