"""Baking a LoRA adapter into the base weights, for serving without PEFT (or converting to GGUF)."""

from __future__ import annotations

from pathlib import Path

from agents.models.adapters import AdapterError


def merge_adapter(base_dir: Path, adapter_dir: Path, out: Path) -> Path:
    """Write base + adapter, merged (``merge_and_unload``), as a plain transformers model directory."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if out.exists() and any(out.iterdir()):
        raise AdapterError(f"{out} is not empty: choose a new directory for the merged model")
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32, local_files_only=True)
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(out)
    AutoTokenizer.from_pretrained(base_dir, local_files_only=True).save_pretrained(out)
    return out
