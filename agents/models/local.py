"""A transformers causal LM as a LangChain chat model: chat template, stop sequences, streaming."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


def _chat_messages(messages: list[BaseMessage]) -> list[dict[str, str]]:
    return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]


def _cut_at_stop(text: str, stop: list[str]) -> str:
    positions = [text.find(s) for s in stop if s and s in text]
    return text[: min(positions)] if positions else text


@dataclass(frozen=True)
class _Streaming:
    """A generation running in its thread: its tokens, how to stop it, and its counts once done."""

    streamer: Any
    cancel: threading.Event
    thread: threading.Thread
    stats: dict[str, Any]


class TransformersChatModel(BaseChatModel):
    """Greedy or sampled generation with a loaded model and tokenizer; one generation at a time."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: Any = Field(exclude=True)
    tokenizer: Any = Field(exclude=True)
    model_name: str
    max_new_tokens: int = 192
    temperature: float = 0.0
    top_p: float = 0.9
    stop: list[str] = Field(default_factory=list)
    threads: int = 1
    seed: int = 0
    lock: Any = Field(default_factory=threading.Lock, exclude=True)
    adapters: Any = Field(default=None, exclude=True)  # an AdapterSlot, or None for the plain base model

    @property
    def _llm_type(self) -> str:
        return "transformers"

    def _inputs(self, messages: list[BaseMessage]) -> dict[str, Any]:
        encoded = self.tokenizer.apply_chat_template(
            _chat_messages(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        device = getattr(self.model, "device", "cpu")
        return {key: value.to(device) for key, value in encoded.items()}

    def _select(self) -> tuple[Any, Any, str | None]:
        if self.adapters is None:
            return self.model, contextlib.nullcontext(), None
        return self.adapters.select(self.model)

    def _generate_kwargs(self, stop: list[str]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "max_new_tokens": self.max_new_tokens,
            "pad_token_id": self.tokenizer.eos_token_id,
        }
        if self.temperature > 0:
            kwargs.update(do_sample=True, temperature=self.temperature, top_p=self.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if stop:
            kwargs.update(stop_strings=stop, tokenizer=self.tokenizer)
        return kwargs

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        stops = [*self.stop, *(stop or [])]
        inputs = self._inputs(messages)
        prompt_len = int(inputs["input_ids"].shape[1])
        with self.lock, torch.inference_mode():
            torch.set_num_threads(self.threads)
            torch.manual_seed(self.seed)
            model, context, adapter = self._select()
            with context:
                output = model.generate(**inputs, **self._generate_kwargs(stops))
        new_tokens = output[0][prompt_len:]
        text = _cut_at_stop(self.tokenizer.decode(new_tokens, skip_special_tokens=True), stops).strip()
        usage = {
            "input_tokens": prompt_len,
            "output_tokens": len(new_tokens),
            "total_tokens": prompt_len + len(new_tokens),
        }
        metadata = {"model_name": self.model_name, "adapter": adapter}
        message = AIMessage(content=text, usage_metadata=usage, response_metadata=metadata)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _start_stream(self, messages: list[BaseMessage], stop: list[str] | None) -> _Streaming:
        """Start generating in a thread; returns the token streamer, a cancel event and the final counts."""
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        class _Cancelled(StoppingCriteria):
            def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: Any) -> torch.Tensor:
                return torch.full((input_ids.shape[0],), cancel.is_set(), dtype=torch.bool, device=input_ids.device)

        cancel = threading.Event()
        stops = [*self.stop, *(stop or [])]
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600)
        inputs = self._inputs(messages)
        kwargs = {
            **self._generate_kwargs(stops),
            "streamer": streamer,
            "stopping_criteria": StoppingCriteriaList([_Cancelled()]),
        }

        prompt_len = int(inputs["input_ids"].shape[1])
        stats: dict[str, Any] = {"input_tokens": prompt_len, "output_tokens": 0, "adapter": None}

        def run() -> None:
            with self.lock, torch.inference_mode():
                torch.set_num_threads(self.threads)
                torch.manual_seed(self.seed)
                model, context, stats["adapter"] = self._select()
                with context:
                    output = model.generate(**inputs, **kwargs)
                stats["output_tokens"] = int(output.shape[1]) - prompt_len

        thread = threading.Thread(target=run, daemon=True, name="steward-generate")
        thread.start()
        return _Streaming(streamer, cancel, thread, stats)

    def _final_chunk(self, streaming: _Streaming) -> ChatGenerationChunk:
        """An empty chunk carrying the token counts and the adapter, once generation has finished."""
        streaming.thread.join(timeout=60)
        stats = streaming.stats
        usage = {
            "input_tokens": stats["input_tokens"],
            "output_tokens": stats["output_tokens"],
            "total_tokens": stats["input_tokens"] + stats["output_tokens"],
        }
        metadata = {"model_name": self.model_name, "adapter": stats["adapter"]}
        return ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage, response_metadata=metadata))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        streaming = self._start_stream(messages, stop)
        try:
            for piece in streaming.streamer:
                if piece:
                    yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
            yield self._final_chunk(streaming)
        finally:
            streaming.cancel.set()  # the consumer stopped (or finished): generation stops at the next token

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        streaming = self._start_stream(messages, stop)
        pieces = iter(streaming.streamer)
        try:
            while (piece := await asyncio.to_thread(next, pieces, None)) is not None:
                if piece:
                    yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
            yield await asyncio.to_thread(self._final_chunk, streaming)
        finally:
            streaming.cancel.set()  # closed or cancelled: generation stops at the next token
