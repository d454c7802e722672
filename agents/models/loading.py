"""Loading a local causal LM, one small function per quantization mode."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog
import torch

Loader = Callable[[Path, str], Any]
log = structlog.stdlib.get_logger(__name__)
# bitsandbytes warns "MatMul8bitLt: inputs will be cast ..." on every int8 layer call (thousands per answer).
BNB_MATMUL_LOGGER = "bitsandbytes.autograd._functions"


class OncePerMessage(logging.Filter):
    """Lets each distinct log message (its template, before arguments) through once per process."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        """True the first time this message template is seen."""
        with self._lock:
            first = str(record.msg) not in self._seen
            self._seen.add(str(record.msg))
        return first


def once_per_message(logger_name: str) -> None:
    """Install ``OncePerMessage`` on a logger (idempotent)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, OncePerMessage) for f in logger.filters):
        logger.addFilter(OncePerMessage())


def pick_device(device: str) -> str:
    """``auto`` means CUDA when there is a GPU, else the CPU."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _fp32(model_dir: Path, device: str) -> Any:
    from transformers import AutoModelForCausalLM

    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, local_files_only=True)
    return model.to(device)


def _dynamic_int8(model_dir: Path, device: str) -> Any:
    if device != "cpu":
        raise ValueError("dynamic-int8 quantization runs on the CPU only; use nf4 or int8 on CUDA")
    model = _fp32(model_dir, "cpu")
    return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def _bitsandbytes(model_dir: Path, device: str, four_bit: bool) -> Any:
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    once_per_message(BNB_MATMUL_LOGGER)
    if four_bit:
        config = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if device == "cuda" else torch.float32,
        )
    else:
        config = BitsAndBytesConfig(load_in_8bit=True)
    return AutoModelForCausalLM.from_pretrained(
        model_dir, quantization_config=config, device_map={"": device}, local_files_only=True
    )


LOADERS: dict[str, Loader] = {
    "none": _fp32,
    "dynamic-int8": _dynamic_int8,
    "nf4": lambda d, dev: _bitsandbytes(d, dev, four_bit=True),
    "int8": lambda d, dev: _bitsandbytes(d, dev, four_bit=False),
}


def load_causal_lm(model_dir: Path, quantization: str, device: str) -> Any:
    """Load ``model_dir`` with the chosen quantization on the chosen device, in eval mode.

    If bitsandbytes cannot load the model here (no wheel for this platform, no usable CPU backend), the
    model is loaded in fp32 instead and a warning is logged, so the default never leaves Steward mute.
    """
    target = pick_device(device)
    try:
        model = LOADERS[quantization](model_dir, target)
    except Exception as exc:  # noqa: BLE001 - any loader failure has the same remedy
        if quantization not in ("int8", "nf4"):
            raise
        log.warning("model.quantization_unavailable", quantization=quantization, error=str(exc)[:200])
        model = _fp32(model_dir, target)
    model.eval()
    return model
