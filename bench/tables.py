"""The result tables: both sides and the ratio ``ours / peer`` in every row."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from bench.answers import AnswerRecord
from bench.results import RunResults, ms, num, pct, times
from bench.retrieval import EXACT, FORCED, OURS, K, SideResult, document_ranks, mrr, overlap_at, recall_at
from bench.stats import mean, percentile, ratio, share

Fmt = Callable[[float], str]


@dataclass(frozen=True)
class Table:
    """A titled table of strings."""

    title: str
    headers: list[str]
    rows: list[list[str]]


def _row(name: str, ours: float, peer: float, fmt: Fmt) -> list[str]:
    return [name, fmt(ours), fmt(peer), times(ratio(ours, peer))]


def ingestion_table(r: RunResults) -> Table:
    """Files, chunks and seconds to ingest the handbook."""
    ing = r.ingest
    rows = [
        ["files", str(ing.files)],
        ["chunks", str(ing.chunks)],
        ["seconds (embedding model load included)", num(ing.seconds, 2)],
        ["chunks / second", num(ing.chunks / ing.seconds, 1) if ing.seconds else "n/a"],
        ["failed files", str(len(ing.failed))],
    ]
    return Table("Ingestion of bot/samples/handbook", ["Measure", "Value"], rows)


def _retrieval_row(name: str, r: RunResults, metric: Callable[[SideResult], float], fmt: Fmt) -> list[str]:
    ours, exact, forced = (metric(r.retrieval[side]) for side in (OURS, EXACT, FORCED))
    return [name, fmt(ours), fmt(exact), times(ratio(ours, exact)), fmt(forced), times(ratio(forced, exact))]


def retrieval_table(r: RunResults) -> Table:
    """Recall, MRR, overlap and latency: our search and the forced HNSW index against the exact scan."""
    exact_hits = r.retrieval[EXACT].hits

    def ranks(side: SideResult) -> list[int | None]:
        return document_ranks(side.hits, r.qas)

    rows = [
        _retrieval_row("recall@1 (file)", r, lambda s: recall_at(ranks(s), 1), num),
        _retrieval_row("recall@5 (file)", r, lambda s: recall_at(ranks(s), 5), num),
        _retrieval_row("MRR (file)", r, lambda s: mrr(ranks(s)), num),
        _retrieval_row(f"overlap@{K} with exact top-{K} (chunks)", r, lambda s: overlap_at(s.hits, exact_hits), num),
        _retrieval_row("latency p50", r, lambda s: percentile(s.latencies_ms, 50), ms),
        _retrieval_row("latency p95", r, lambda s: percentile(s.latencies_ms, 95), ms),
        [
            "how chunks are read (EXPLAIN)",
            r.retrieval[OURS].plan,
            r.retrieval[EXACT].plan,
            "",
            r.retrieval[FORCED].plan,
            "",
        ],
    ]
    headers = [
        "Metric",
        "Ours: ChunkSearch",
        "Exact scan (peer)",
        "Ratio ours/peer",
        "HNSW forced (diagnostic)",
        "Ratio forced/peer",
    ]
    return Table(f"Retrieval, {len(r.qas)} questions, k={K}", headers, rows)


def _hits(records: list[AnswerRecord]) -> list[bool]:
    return [a.hit for a in records if a.total]


def _recall(records: list[AnswerRecord]) -> float:
    return mean([a.found / a.total for a in records if a.total])


def answer_table(r: RunResults) -> Table:
    """Key-fact hits, citations, abstentions and latency for our agent against the whole-passages prompt."""
    a, b = r.ours, r.peer
    lat_a, lat_b = [x.latency_ms for x in a], [x.latency_ms for x in b]
    rows = [
        _row("key-fact hit rate (all key tokens)", share(_hits(a)), share(_hits(b)), pct),
        _row("mean key-token recall", _recall(a), _recall(b), pct),
        _row("citations include the expected file", _share(a, "cited_expected"), _share(b, "cited_expected"), pct),
        _row("says it doesn't know (false abstention)", _share(a, "says_dont_know"), _share(b, "says_dont_know"), pct),
        _row("latency p50", percentile(lat_a, 50), percentile(lat_b, 50), ms),
        _row("latency p95", percentile(lat_a, 95), percentile(lat_b, 95), ms),
        _row("answer length, mean words", mean([x.words for x in a]), mean([x.words for x in b]), _tokens),
        _row("prompt tokens, mean", mean([x.input_tokens for x in a]), mean([x.input_tokens for x in b]), _tokens),
    ]
    headers = ["Metric", "Ours (facts prompt + checks)", "Whole passages (peer)", "Ratio ours/peer"]
    return Table(f"Answers, {len(a)} answerable questions", headers, rows)


def _share(records: list[AnswerRecord], flag: str) -> float:
    return share([bool(getattr(x, flag)) for x in records])


def _tokens(value: float) -> str:
    return num(value, 0)


def modes_table(r: RunResults) -> Table:
    """How our answers were produced, and which of them hit the key facts."""
    counts = Counter(a.mode for a in r.ours)
    hits = Counter(a.mode for a in r.ours if a.hit)
    rows = [[mode, str(counts[mode]), str(hits[mode])] for mode in ("generated", "extractive", "abstained")]
    return Table("Our answers by mode (answerable questions)", ["Mode", "Answers", "Key-fact hits"], rows)


def unanswerable_table(r: RunResults) -> Table:
    """Our agent on questions the handbook cannot answer."""
    u = r.unanswerable
    counts = Counter(a.mode for a in u)
    rows = [
        ["abstained (retrieval below min_score)", f"{counts['abstained']}/{len(u)}", pct(counts["abstained"] / len(u))],
        ["answered but said it doesn't know", str(sum(a.says_dont_know and a.mode != "abstained" for a in u)), ""],
        ["answered (generated)", str(counts["generated"]), ""],
        ["answered (extractive)", str(counts["extractive"]), ""],
    ]
    return Table(f"Unanswerable questions (ours only), {len(u)} questions", ["Outcome", "Count", "Rate"], rows)


def all_tables(r: RunResults) -> list[Table]:
    """Every table, in report order."""
    return [ingestion_table(r), retrieval_table(r), answer_table(r), modes_table(r), unanswerable_table(r)]
