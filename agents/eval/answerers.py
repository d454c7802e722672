"""How the gate asks a model: a function from a batch of chats to their answers.

``chat_answerer`` works with any LangChain chat model, one chat at a time. ``batched_answerer`` runs a
``TransformersChatModel`` (with whatever adapter its slot selects) on padded batches with greedy decoding,
several times faster on a CPU for an evaluation run; batching can change a near-tie token, so compare
models with the same answerer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage

from agents.models.local import TransformersChatModel

Chat = Sequence[BaseMessage]
Answerer = Callable[[Sequence[Chat]], list[str]]
_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


def chat_answerer(model: BaseChatModel) -> Answerer:
    """Answer each chat with ``model.invoke`` (any LangChain chat model)."""

    def answer(chats: Sequence[Chat]) -> list[str]:
        return [str(model.invoke(list(chat)).content).strip() for chat in chats]

    return answer


def _cut(text: str, stops: Sequence[str]) -> str:
    positions = [text.find(s) for s in stops if s and s in text]
    return (text[: min(positions)] if positions else text).strip()


def _texts(chat: TransformersChatModel, chats: Sequence[Chat]) -> list[str]:
    return [
        chat.tokenizer.apply_chat_template(
            [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages],
            add_generation_prompt=True,
            tokenize=False,
        )
        for messages in chats
    ]


def _generate(chat: TransformersChatModel, texts: list[str], max_new_tokens: int) -> list[str]:
    import torch

    tokenizer = chat.tokenizer
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    encoded = tokenizer(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
    with chat.lock, torch.inference_mode():
        torch.set_num_threads(chat.threads)
        model, context, _ = chat.adapters.select(chat.model) if chat.adapters else (chat.model, None, None)
        device = getattr(model, "device", "cpu")
        with context or contextlib.nullcontext():
            output = model.generate(
                **{k: v.to(device) for k, v in encoded.items()},
                max_new_tokens=max_new_tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                pad_token_id=pad_id,
            )
    new = output[:, encoded["input_ids"].shape[1] :]
    return [_cut(tokenizer.decode(row, skip_special_tokens=True), chat.stop) for row in new]


def batched_answerer(chat: TransformersChatModel, batch_size: int = 8, max_new_tokens: int | None = None) -> Answerer:
    """Greedy answers from ``chat``'s model and current adapter, ``batch_size`` chats at a time.

    Chats are grouped by length so little padding is computed; answers come back in the input order.
    """
    limit = max_new_tokens or chat.max_new_tokens

    def answer(chats: Sequence[Chat]) -> list[str]:
        texts = _texts(chat, chats)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        answers: dict[int, str] = {}
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            for index, text in zip(chunk, _generate(chat, [texts[i] for i in chunk], limit), strict=True):
                answers[index] = text
        return [answers[i] for i in range(len(texts))]

    return answer


def answer_all(answerer: Answerer, chats: Sequence[Chat]) -> list[str]:
    """Run ``answerer`` and check it answered every chat."""
    answers: list[Any] = answerer(chats)
    if len(answers) != len(chats):
        raise ValueError(f"the answerer returned {len(answers)} answers for {len(chats)} chats")
    return [str(a) for a in answers]
