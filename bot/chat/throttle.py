"""No two writes to one chat message closer together than an interval, measured from the end of the last."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable


class Throttle:
    """Tracks when the last write to a message finished; ``due`` says whether the next may go now."""

    def __init__(self, interval_s: float, clock: Callable[[], float] | None = None) -> None:
        self._interval_s = interval_s
        self._clock = clock or time.monotonic
        self._last = -math.inf

    def due(self) -> bool:
        """Whether a write now would keep the interval."""
        return self._clock() - self._last >= self._interval_s

    async def wait(self) -> None:
        """Sleep until a write would keep the interval."""
        await asyncio.sleep(max(0.0, self._last + self._interval_s - self._clock()))

    def wrote(self) -> None:
        """A write just finished."""
        self._last = self._clock()
