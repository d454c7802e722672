"""Retrieval: reranking. Each corpus with and without the feature reranker, in the same run.

The sides are the production ``StewardRetriever`` over the same hybrid candidates (vector + full text,
fused by reciprocal rank, then MMR); they differ only in the reranker: ``KeepOrder`` (the fused order, as
before), ``FeatureReranker`` with zero weights (cosine only, an ablation) and ``FeatureReranker`` (the
default). Per question each side retrieves the top 10 chunks; the expected page's file-level rank gives
recall@1, recall@5 and MRR (any accepted page counts). Sides rotate which goes first. The stage's own
cost is timed separately on each question's candidates.

``make bench`` runs it after the corpora, in the same Steward; ``python -m bench.rerank`` runs it alone
(ingesting the handbook and the Debian Reference into a throw-away data dir) and rewrites only its section
of docs/benchmarks.md.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agents.retrieval.hybrid import HybridSearch
from agents.retrieval.rerank import FeatureReranker, FeatureWeights, KeepOrder, Reranker
from agents.retrieval.retriever import StewardRetriever
from agents.retrieval.store import ChunkSearch, Scope
from bench import harness, machine
from bench.corpora import run as corpus_run
from bench.dataset import DOC_FILE, QA, SCOPE, load_qa
from bench.report import render_table
from bench.results import loads
from bench.stats import elapsed_ms, percentile
from bench.tables import Table
from bot.container import Steward

TITLE = "## Retrieval: reranking"
COMMAND = "python -m bench.rerank"
K = corpus_run.K
SIDES = ("none", "cosine", "features")
INTRO = (
    "Does the right page come first? Three rerankers over the same hybrid candidates (vector + full text "
    "fused by reciprocal rank, the production `StewardRetriever`, top 10 chunks, then MMR), in the same run: "
    "`none` keeps the fused order (the behaviour before the stage), `cosine` reorders by cosine similarity "
    "alone (an ablation: how much comes from no longer letting the full-text rank decide), and `features` "
    "(the default, `STEWARD_RETRIEVAL_RERANKER=features`) adds title/heading word coverage (weight 0.1), "
    "shared adjacent word pairs (0.2) and codes or names found word for word (0.2) to the cosine. Recall@k "
    "and MRR are at file level, any accepted page counting. Sides rotate which goes first; the stage's own "
    "time is measured apart on each question's candidates."
)


@dataclass
class SideFigures:
    """One side's file-level ranks and per-query retrieval latency."""

    ranks: list[int | None] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)


@dataclass
class SetFigures:
    """One question set: both sides, and the reranking stage's own time per query."""

    name: str
    questions: int
    sides: dict[str, SideFigures]
    stage_ms: list[float] = field(default_factory=list)
    candidates: int = 0


@dataclass
class RerankRun:
    """Every set, the chunks each corpus holds, and the load around the run."""

    sets: list[SetFigures] = field(default_factory=list)
    chunks: dict[str, int] = field(default_factory=dict)
    load_start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_end: tuple[float, float, float] = (0.0, 0.0, 0.0)


NOT_CHOSEN = (
    "Not chosen: doc2query (questions generated per chunk at ingest and embedded) with the bundled "
    "SmolLM2-135M. A one-off trial, not part of this command (4 handbook chunks, 60 new tokens each, greedy, "
    "2 torch threads, load average about 13), took 80-200 s per chunk, about 50 hours for the Debian "
    "Reference, and the questions were repetitive or off-topic. No cross-encoder reranker ships its weights "
    "in a PyPI wheel that we found (FlashRank's wheel is 14 KB; it downloads its model at run time)."
)


def retriever(steward: Steward, reranker: Reranker, scope: Scope) -> StewardRetriever:
    """The production retriever for ``scope`` with ``reranker``, built as the composition root builds it."""
    r, tx = steward.settings.retrieval, steward.database.tenant_connection
    return StewardRetriever(
        k=K,
        embedder=steward.embedder,
        search=ChunkSearch(tx, r.ef_search),
        hybrid=HybridSearch(tx, r.ef_search, r.candidates, r.rrf_k, r.fts_weight),
        reranker=reranker,
        settings=r,
        scope=scope,
    )


def _stage_ms(steward: Steward, scope: Scope, question: str, reranker: FeatureReranker) -> tuple[float, int]:
    """The reranker's own time on ``question``'s candidates, and how many candidates there were."""
    vector = steward.embedder.embed_array([question])[0]
    r, tx = steward.settings.retrieval, steward.database.tenant_connection
    hits, _, _ = HybridSearch(tx, r.ef_search, r.candidates, r.rrf_k, r.fts_weight).candidates(vector, question, scope)
    start = time.perf_counter()
    reranker.rerank(question, hits)
    return elapsed_ms(start), len(hits)


def measure_set(steward: Steward, name: str, qas: Sequence[QA], scope: Scope) -> SetFigures:
    """Both sides on every question of one set, alternating which goes first."""
    features = FeatureReranker()
    retrievers = {
        "none": retriever(steward, KeepOrder(), scope),
        "cosine": retriever(steward, FeatureReranker(FeatureWeights(heading=0.0, phrase=0.0)), scope),
        "features": retriever(steward, features, scope),
    }
    figures = SetFigures(name, len(qas), {side: SideFigures() for side in SIDES})
    for i, qa in enumerate(qas):
        shift = i % len(SIDES)
        for side in SIDES[shift:] + SIDES[:shift]:
            start = time.perf_counter()
            hits = retrievers[side].hits(qa.question)
            figures.sides[side].latencies_ms.append(elapsed_ms(start))
            figures.sides[side].ranks.append(corpus_run.file_rank([h.source for h in hits], qa.accepted_sources))
        stage, figures.candidates = _stage_ms(steward, scope, qa.question, features)
        figures.stage_ms.append(stage)
    return figures


def question_sets(quick: bool) -> list[tuple[str, list[QA], Scope]]:
    """The handbook (all of it, in-distribution), the Debian Reference dev split, and its frozen test split."""
    stride = 4 if quick else 1
    return [
        ("handbook", load_qa(quick), SCOPE),
        ("Debian Reference, dev", corpus_run.as_qa("dev")[::stride], corpus_run.SCOPE),
        ("Debian Reference, test (frozen)", corpus_run.as_qa("test")[::stride], corpus_run.SCOPE),
    ]


def measure(steward: Steward, quick: bool = False, chunks: dict[str, int] | None = None) -> RerankRun:
    """Every set in a Steward that holds both corpora."""
    run = RerankRun(chunks=dict(chunks or {}), load_start=machine.load_average())
    for name, qas, scope in question_sets(quick):
        print(f"reranking: {name}, {len(qas)} questions, with and without...", file=sys.stderr, flush=True)
        run.sets.append(measure_set(steward, name, qas, scope))
    run.load_end = machine.load_average()
    return run


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose page is within the first ``k`` files."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank (0 when the page is not in the top ``K`` chunks)."""
    return sum(1 / r for r in ranks if r is not None) / len(ranks)


def _pair(s: SetFigures, metric: str) -> str:
    values = []
    for side in SIDES:
        ranks = s.sides[side].ranks
        values.append({"r1": recall_at(ranks, 1), "r5": recall_at(ranks, 5), "mrr": mrr(ranks)}[metric])
    return " / ".join(f"{v:.3f}" for v in values)


def quality_table(run: RerankRun) -> Table:
    """Recall@1, recall@5 and MRR per set, for each side."""
    rows = [[s.name, str(s.questions), _pair(s, "r1"), _pair(s, "r5"), _pair(s, "mrr")] for s in run.sets]
    headers = ["set", "questions", "recall@1 (none / cosine / features)", "recall@5", "MRR"]
    return Table("Rank of the right page: fused order, cosine only, feature reranker", headers, rows)


def cost_table(run: RerankRun) -> Table:
    """Retrieval latency per query on both sides, and the stage's own time."""
    rows = []
    for s in run.sets:
        none, feat = (percentile(s.sides[side].latencies_ms, 50) for side in ("none", "features"))
        stage = (percentile(s.stage_ms, 50), percentile(s.stage_ms, 95))
        rows.append([s.name, f"{none:.1f}", f"{feat:.1f}", f"{feat / none:.2f}x", f"{stage[0]:.2f} / {stage[1]:.2f}"])
    headers = ["set", "p50 ms/query, none", "p50 ms/query, features", "ratio", "stage alone p50 / p95 ms"]
    return Table("Cost per query (embedding + SQL + rerank + MMR, top 10)", headers, rows)


def section(run: RerankRun, command: str = COMMAND) -> str:
    """The Markdown section ``## Retrieval: reranking``."""
    chunks = ", ".join(f"{name}: {n} chunks" for name, n in run.chunks.items())
    parts = [TITLE, "", INTRO, ""]
    parts += [
        f"Command: `{command}`. Load average (1m / 5m / 15m): {loads(run.load_start)} at the start, "
        f"{loads(run.load_end)} at the end. Corpora: {chunks or 'as ingested by make bench'}.",
        "",
        "Weights were chosen on the handbook and the Debian Reference dev split only; the test split is only "
        "reported (its checksum is frozen in `bench/corpora/debian_reference/SHA256SUMS`).",
        "",
    ]
    for table in (quality_table(run), cost_table(run)):
        parts += [f"### {table.title}", "", render_table(table), ""]
    parts += [
        "Cost per ingested chunk: none. The stage reads only the candidates' title, heading path and text, "
        "which retrieval already returns; it adds no column, no index and no model, and ingest is unchanged.",
        "",
        NOT_CHOSEN,
        "",
    ]
    return "\n".join(parts)


def replace_section(document: str, new: str) -> str:
    """``document`` with its reranking section replaced by ``new`` (appended when absent)."""
    pattern = re.compile(re.escape(TITLE) + r"\n.*?(?=\n## |\Z)", re.DOTALL)
    if pattern.search(document):
        return pattern.sub(lambda _: new.rstrip("\n") + "\n", document, count=1)
    return document.rstrip("\n") + "\n\n" + new


def main(write: bool = True, quick: bool = False) -> int:
    """Ingest both corpora into a throw-away data dir, measure, print, and rewrite this section."""
    with tempfile.TemporaryDirectory(prefix="steward-rerank-", ignore_cleanup_errors=True) as tmp:
        steward = Steward.open(harness.bench_settings(Path(tmp)))
        try:
            chunks = {"handbook": harness.ingest_handbook(steward).chunks}
            chunks["Debian Reference"] = corpus_run.ingest(steward).chunks
            run = measure(steward, quick, chunks)
        finally:
            steward.close()
    text = section(run, COMMAND + (" --quick" if quick else ""))
    print(text)
    if write:
        current = DOC_FILE.read_text(encoding="utf-8") if DOC_FILE.is_file() else "# Benchmarks\n"
        DOC_FILE.write_text(replace_section(current, text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(write="--no-write" not in sys.argv, quick="--quick" in sys.argv))
