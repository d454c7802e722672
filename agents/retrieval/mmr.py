"""Maximal marginal relevance: trade a little relevance for passages that do not repeat each other."""

from __future__ import annotations

import numpy as np


def mmr(
    query: np.ndarray, candidates: np.ndarray, k: int, lambda_mult: float, relevance: np.ndarray | None = None
) -> list[int]:
    """Indices of ``k`` candidates chosen greedily by ``λ·rel(d) − (1 − λ)·max sim(d, chosen)``.

    Vectors are unit length, so dot products are cosine similarities. ``rel`` defaults to the cosine
    similarity to the query; hybrid search passes its fused score scaled to 0..1 instead, so full-text
    matches keep their rank. ``lambda_mult = 1`` keeps the relevance order; lower values favour
    diversity. The first pick is always the most relevant.
    """
    if len(candidates) == 0 or k <= 0:
        return []
    if relevance is None:
        relevance = candidates @ query
    chosen = [int(np.argmax(relevance))]
    while len(chosen) < min(k, len(candidates)):
        redundancy = (candidates @ candidates[chosen].T).max(axis=1)
        score = lambda_mult * relevance - (1 - lambda_mult) * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return chosen
