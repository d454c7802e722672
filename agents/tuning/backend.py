"""Where and how a tuning run loads the base model: fp32 LoRA on the CPU, 4-bit nf4 QLoRA on CUDA.

``use_qlora`` decides the branch from the setting and whether CUDA is available, and is the only place
that does, so the choice can be tested on any machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.tuning.config import TuneSettings


def cuda_available() -> bool:
    """Whether torch sees a CUDA device."""
    import torch

    return bool(torch.cuda.is_available())


def use_qlora(mode: str, cuda: bool) -> bool:
    """``auto``: QLoRA exactly when CUDA is available; ``on``: always; ``off``: never."""
    if mode == "on":
        return True
    if mode == "off":
        return False
    if mode == "auto":
        return cuda
    raise ValueError(f"qlora must be auto, on or off, not {mode!r}")


def precision(cuda: bool, qlora: bool) -> dict[str, Any]:
    """TRL/transformers training arguments for the device: fp32 on the CPU, bf16 on CUDA.

    On the CPU ``bf16=False`` and ``use_cpu=True`` must be explicit (TRL otherwise asks for bf16 and a GPU).
    Gradient checkpointing saves GPU memory for QLoRA; on the CPU it only costs time.
    """
    if not cuda:
        return {"bf16": False, "fp16": False, "use_cpu": True, "activation_checkpointing": qlora}
    import torch

    bf16 = bool(torch.cuda.is_bf16_supported())
    return {"bf16": bf16, "fp16": not bf16, "use_cpu": False, "activation_checkpointing": qlora}


def nf4_config(cuda: bool) -> Any:
    """Bitsandbytes 4-bit nf4 with double quantization; bf16 compute on CUDA, fp32 on the CPU."""
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16 if cuda else torch.float32,
    )


def _load_nf4(model_dir: Path, cuda: bool) -> Any:
    import torch
    from peft import prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM

    model: Any = AutoModelForCausalLM.from_pretrained(
        model_dir,
        quantization_config=nf4_config(cuda),
        device_map={"": 0 if cuda else "cpu"},
        dtype=torch.bfloat16 if cuda else torch.float32,
        local_files_only=True,
    )
    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=True)


def _load_dense(model_dir: Path, cuda: bool) -> Any:
    import torch
    from transformers import AutoModelForCausalLM

    dtype = torch.bfloat16 if cuda and torch.cuda.is_bf16_supported() else torch.float32
    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype, local_files_only=True)
    return model.to("cuda" if cuda else "cpu")


def load_base(model_dir: Path, qlora: bool, cuda: bool) -> Any:
    """The base model ready for LoRA: nf4 + ``prepare_model_for_kbit_training`` for QLoRA, else full precision."""
    return _load_nf4(model_dir, cuda) if qlora else _load_dense(model_dir, cuda)


def lora_config(settings: TuneSettings) -> Any:
    """The peft LoRA configuration of a run."""
    from peft import LoraConfig

    return LoraConfig(
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules=list(settings.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )
