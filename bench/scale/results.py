"""Everything one scale run measured."""

from __future__ import annotations

from dataclasses import dataclass

from bench.machine import Machine
from bench.scale.ingest import IngestPhases
from bench.scale.plans import Storage
from bench.scale.reads import SideRun
from bench.scale.writes import Timed
from bench.stats import percentile


@dataclass(frozen=True)
class Plan:
    """How one side read the chunks, and whether an HNSW index was in the plan."""

    nodes: str
    uses_hnsw: bool


@dataclass
class WriteFigures:
    """The write path: ours and its peers on the same rows, and ours on each stage of the load."""

    ours_subset: Timed
    langchain: Timed
    langchain_hnsw: Timed
    transport: Timed
    peer_rows_stored: int
    stages: dict[int, Timed]  # corpus size reached -> the rows written to reach it


@dataclass
class StageFigures:
    """The read path at one corpus size."""

    size: int
    runs: dict[str, SideRun]
    plans: dict[str, Plan]
    recall: dict[str, float]
    flat_build_s: float
    storage: Storage

    def p(self, side: str, q: float) -> float:
        """The ``q``-th latency percentile of ``side`` in milliseconds."""
        return percentile(self.runs[side].latencies_ms, q)


@dataclass
class ScaleResults:
    """Raw results of one scale run."""

    machine: Machine
    ingest: IngestPhases
    writes: WriteFigures
    stages: list[StageFigures]
    queries: int
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float]
    runtime_s: float
