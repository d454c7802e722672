"""Verification: recompute every hash and link; name the first event that does not fit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from governance.audit.chain import GENESIS, ChainedEvent, chain_hash


@dataclass(frozen=True)
class Problem:
    """The first bad event of a tenant's chain, and what is wrong with it."""

    tenant: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"tenant {self.tenant!r}, event #{self.seq}: {self.reason}"


@dataclass(frozen=True)
class Verification:
    """How many events were checked, per tenant, and the first problem of each broken chain."""

    checked: int
    tenants: dict[str, int] = field(default_factory=dict)
    heads: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every chain is intact."""
        return not self.problems


def _check(event: ChainedEvent, seq: int, prev: str) -> str | None:
    if event.seq > seq:
        return f"events #{seq}..#{event.seq - 1} are missing (deleted)"
    if event.seq < seq:
        return "sequence number repeats or goes backwards (inserted)"
    if event.prev_hash != prev:
        return "prev_hash does not match the previous event (inserted, deleted or reordered)"
    if chain_hash(event.prev_hash, event.content()) != event.hash:
        return "content does not match its hash (changed)"
    return None


def verify(events: Iterable[ChainedEvent], anchors: dict[str, tuple[int, str]] | None = None) -> Verification:
    """Check chains read in (tenant, seq) order from their start.

    ``anchors`` (tenant → (seq, hash), e.g. from an earlier export's manifest) also catch events deleted
    from the end of a chain, which the chain alone cannot show.
    """
    anchors = anchors or {}
    state: dict[str, tuple[int, str]] = {}
    problems: dict[str, Problem] = {}
    counts: dict[str, int] = {}
    for event in events:
        seq, prev = state.get(event.tenant, (1, GENESIS))
        counts[event.tenant] = counts.get(event.tenant, 0) + 1
        reason = _check(event, seq, prev) or _off_anchor(event, anchors.get(event.tenant))
        if reason and event.tenant not in problems:
            problems[event.tenant] = Problem(event.tenant, event.seq, reason)
        state[event.tenant] = (event.seq + 1, event.hash)
    for tenant, (seq, _) in anchors.items():
        if tenant not in problems and state.get(tenant, (1, ""))[0] <= seq:
            problems[tenant] = Problem(tenant, seq, "the chain ends before this anchored event (deleted)")
    heads = {t: h for t, (_, h) in state.items()}
    return Verification(sum(counts.values()), counts, heads, list(problems.values()))


def _off_anchor(event: ChainedEvent, anchor: tuple[int, str] | None) -> str | None:
    if anchor is not None and anchor[0] == event.seq and anchor[1] != event.hash:
        return "hash differs from the anchored one (the chain was rewritten)"
    return None
