"""Small numeric helpers shared by the benchmark sections."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (linear interpolation), or NaN for no values."""
    return float(np.percentile(values, q)) if values else float("nan")


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean, or NaN for no values."""
    return float(np.mean(values)) if values else float("nan")


def share(flags: Sequence[bool]) -> float:
    """The fraction of true flags, or NaN for none."""
    return sum(flags) / len(flags) if flags else float("nan")


def ratio(ours: float, peer: float) -> float:
    """``ours / peer``; NaN when undefined, infinity when only the peer is zero."""
    if np.isnan(ours) or np.isnan(peer):
        return float("nan")
    if peer == 0:
        return float("nan") if ours == 0 else float("inf")
    return ours / peer


def elapsed_ms(start: float) -> float:
    """Milliseconds since ``start`` (a ``time.perf_counter()`` value)."""
    return (time.perf_counter() - start) * 1000
