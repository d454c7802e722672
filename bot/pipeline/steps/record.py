"""Record the exchange: a conversation row and an answer row."""

from __future__ import annotations

import asyncio

from bot.pipeline.message import Reply
from bot.pipeline.turn import Turn
from bot.store.recorder import ExchangeRecorder


class RecordStep:
    """Persist who asked what, what was answered and cited, by which model, and how fast."""

    name = "record"

    def __init__(self, recorder: ExchangeRecorder) -> None:
        self._recorder = recorder

    async def __call__(self, turn: Turn) -> Reply | None:
        """Fill ``turn.answer_id``."""
        turn.timings_ms["total"] = turn.elapsed_ms()
        turn.answer_id = await asyncio.to_thread(self._recorder.record, turn)
        return None
