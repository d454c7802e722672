"""Each quantization mode loads the bundled model and generates; nf4 is the CUDA (QLoRA) path, run here on CPU."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoTokenizer

from agents.models.loading import load_causal_lm, pick_device
from tests.conftest import MODEL_CACHE

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("dense_model")]


def _greedy(model, tokens: int = 4) -> str:
    tokenizer = AutoTokenizer.from_pretrained(MODEL_CACHE, local_files_only=True)
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is 2 + 2?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    with torch.inference_mode():
        out = model.generate(**inputs.to(model.device), max_new_tokens=tokens, do_sample=False)
    return tokenizer.decode(out[0][inputs["input_ids"].shape[1] :], skip_special_tokens=True)


def test_dynamic_int8_replaces_linear_layers_and_generates() -> None:
    model = load_causal_lm(MODEL_CACHE, "dynamic-int8", "cpu")
    dynamic = [m for m in model.modules() if type(m).__module__.startswith("torch.ao.nn.quantized.dynamic")]
    plain = [m for m in model.modules() if type(m) is torch.nn.Linear]
    assert len(dynamic) >= 7 * 30 and not plain  # every projection in the 30 layers (and the head) is int8
    assert _greedy(model).strip()


def test_dynamic_int8_is_refused_on_cuda() -> None:
    with pytest.raises(ValueError, match="CPU only"):
        load_causal_lm(MODEL_CACHE, "dynamic-int8", "cuda")


def test_nf4_loads_4bit_layers_and_generates() -> None:
    pytest.importorskip("bitsandbytes")
    model = load_causal_lm(MODEL_CACHE, "nf4", pick_device("auto"))
    assert any(type(m).__name__ == "Linear4bit" for m in model.modules())
    assert _greedy(model, tokens=2).strip()


def test_llamacpp_mode_without_the_extra_says_how_to_install_it(tmp_path) -> None:
    import importlib.util

    from agents.config import LLMSettings
    from agents.models.factory import make_chat_model

    if importlib.util.find_spec("llama_cpp") is not None:
        pytest.skip("llama-cpp-python is installed here")
    with pytest.raises(RuntimeError, match=r"pip install -e '\.\[llamacpp\]'"):
        make_chat_model(LLMSettings(mode="llamacpp"), tmp_path)
