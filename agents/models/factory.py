"""``make_chat_model(settings)``: one small function per backend."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel

from agents.config import LLMSettings
from agents.models.convert import bundled_gguf, ensure_dense
from agents.models.loading import load_causal_lm
from agents.models.local import TransformersChatModel
from agents.models.peft_slot import AdapterSlot


def resolve_local_dir(settings: LLMSettings, data_dir: Path) -> Path:
    """The HF directory to load: the configured one, or the GGUF converted (once) into the data dir."""
    if settings.model_dir is not None:
        return settings.model_dir
    gguf = settings.gguf_file or bundled_gguf()
    dense = settings.dense_dir or data_dir / "models" / gguf.stem
    return ensure_dense(gguf, dense)


def model_label(settings: LLMSettings) -> str:
    """A short, stable name for the configured model, known without loading it."""
    if settings.model_dir is not None:
        return f"local:{settings.model_dir.name}"
    name = settings.gguf_file.stem if settings.gguf_file else "SmolLM2-135M-Instruct"
    return f"local:{name.split('.')[0]}"


def _make_local(settings: LLMSettings, data_dir: Path, adapters: AdapterSlot | None) -> BaseChatModel:
    import torch
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the terminal is for answers
    model_dir = resolve_local_dir(settings, data_dir)
    torch.set_num_threads(settings.threads)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = load_causal_lm(model_dir, settings.quantization, settings.device)
    return TransformersChatModel(
        model=model,
        tokenizer=tokenizer,
        model_name=model_label(settings),
        max_new_tokens=settings.max_tokens,
        temperature=settings.temperature,
        top_p=settings.top_p,
        stop=settings.stop,
        threads=settings.threads,
        seed=settings.seed,
        adapters=adapters,
    )


def _make_llamacpp(settings: LLMSettings, data_dir: Path, adapters: AdapterSlot | None) -> BaseChatModel:
    """The GGUF run directly by llama.cpp (PEFT adapters must be converted to a GGUF LoRA first)."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise RuntimeError(
            "STEWARD_LLM_MODE=llamacpp needs llama-cpp-python: pip install -e '.[llamacpp]' (it compiles for a while)"
        )
    from langchain_community.chat_models import ChatLlamaCpp

    return ChatLlamaCpp(
        model_path=str(settings.gguf_file or bundled_gguf()),
        lora_path=str(settings.llamacpp_lora) if settings.llamacpp_lora else None,
        n_ctx=settings.max_prompt_tokens + settings.max_tokens,
        n_threads=settings.threads,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        top_p=settings.top_p,
        stop=settings.stop or None,
        seed=settings.seed,
        verbose=False,
    )


def make_chat_model(settings: LLMSettings, data_dir: Path, adapters: AdapterSlot | None = None) -> BaseChatModel:
    """Build the configured chat model (``STEWARD_LLM_MODE``); local models apply the active LoRA adapter."""
    builders = {"local": _make_local, "llamacpp": _make_llamacpp}
    return builders[settings.mode](settings, data_dir, adapters)
