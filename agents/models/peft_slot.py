"""Applying the registry's active LoRA adapter to a loaded base model, switching without a restart."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from agents.models.adapters import AdapterInfo

Selection = tuple[Any, AbstractContextManager[Any], str | None]


class AdapterSlot:
    """Loads each adapter into the base model once (PEFT keeps several) and activates the current one."""

    def __init__(self, active: Callable[[], AdapterInfo | None]) -> None:
        self._active = active
        self._peft: Any = None
        self._loaded: set[str] = set()

    def _load(self, base: Any, info: AdapterInfo) -> None:
        if self._peft is None:
            from peft import PeftModel

            self._peft = PeftModel.from_pretrained(base, str(info.path), adapter_name=info.name)
            self._peft.eval()
        elif info.name not in self._loaded:
            self._peft.load_adapter(str(info.path), adapter_name=info.name)
        self._loaded.add(info.name)

    def select(self, base: Any) -> Selection:
        """``(model to generate with, context to generate in, adapter name or None)``."""
        info = self._active()
        if info is None:
            if self._peft is None:
                return base, nullcontext(), None
            return self._peft, self._peft.disable_adapter(), None
        self._load(base, info)
        self._peft.set_adapter(info.name)
        return self._peft, nullcontext(), info.name
