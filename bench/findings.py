"""The "what this shows" paragraph, written from the figures of the run (nothing here is pre-decided)."""

from __future__ import annotations

from collections import Counter

from bench.answers import AnswerRecord
from bench.results import RunResults, pct, times
from bench.retrieval import EXACT, FORCED, OURS, K, SideResult, document_ranks, mrr, overlap_at
from bench.stats import mean, percentile, ratio, share


def _compare(ours: float, peer: float, higher_is_better: bool = True) -> str:
    if abs(ours - peer) < 1e-9:
        return "the same as"
    better = ours > peer if higher_is_better else ours < peer
    return "better than" if better else "worse than"


def retrieval_finding(r: RunResults) -> str:
    """What the retrieval figures say about our search, the HNSW index and the exact scan."""
    ours, exact, forced = (r.retrieval[side] for side in (OURS, EXACT, FORCED))
    ours_mrr, exact_mrr = mrr(document_ranks(ours.hits, r.qas)), mrr(document_ranks(exact.hits, r.qas))
    text = (
        f"Our search returned {pct(overlap_at(ours.hits, exact.hits))} of the exact top-{K} chunks and its "
        f"file-level MRR ({ours_mrr:.3f}) was {_compare(ours_mrr, exact_mrr)} the exact scan's ({exact_mrr:.3f}); "
        f"its median query took {times(_p50_ratio(ours, exact))} the exact scan's time. "
    )
    if ours.uses_hnsw:
        text += "PostgreSQL used the HNSW index for it. "
    else:
        text += (
            f"PostgreSQL did not use the HNSW index for it (it read chunks with: {ours.plan}), so at this size our "
            "search is itself exact. "
        )
    if forced.uses_hnsw:
        text += (
            f"Forced onto the index, HNSW kept {pct(overlap_at(forced.hits, exact.hits))} of the exact top-{K} "
            f"at {times(_p50_ratio(forced, exact))} the exact scan's median time. "
        )
    return text + (
        f"With only {r.ingest.chunks} chunks a scan is cheap, so none of this says how the index behaves "
        "on a large corpus."
    )


def _p50_ratio(side: SideResult, peer: SideResult) -> float:
    return ratio(percentile(side.latencies_ms, 50), percentile(peer.latencies_ms, 50))


def _hit_rate(records: list[AnswerRecord]) -> float:
    return share([a.hit for a in records if a.total])


def answer_finding(r: RunResults) -> str:
    """What the answer figures say about our agent against the whole-passages prompt."""
    ours, peer = _hit_rate(r.ours), _hit_rate(r.peer)
    modes = Counter(a.mode for a in r.ours)
    hits = Counter(a.mode for a in r.ours if a.hit)
    speed = ratio(percentile([a.latency_ms for a in r.ours], 50), percentile([a.latency_ms for a in r.peer], 50))
    text = (
        f"Our answers contained every key fact of the reference in {pct(ours)} of the answerable questions, "
        f"against {pct(peer)} for the whole-passages prompt (ratio {times(ratio(ours, peer))}). "
        f"{modes['extractive']} of our {len(r.ours)} answers were extractive quotes rather than the model's own "
        f"text, and they account for {hits['extractive']} of our {sum(hits.values())} hits, "
    )
    text += (
        "so much of the gain comes from the groundedness check and its quoting fallback, not from better generation. "
        if hits["extractive"] * 2 >= sum(hits.values()) and sum(hits.values())
        else "so most hits come from the model's own generated answers. "
    )
    text += f"Our median answer took {times(speed)} the peer's time. "
    return text + _length_note(r)


def _length_note(r: RunResults) -> str:
    ours, peer = mean([a.words for a in r.ours]), mean([a.words for a in r.peer])
    longer, shorter = ("the peer", "ours") if peer > ours else ("ours", "the peer")
    return (
        "The key-fact check does not penalise wrong extra content, which favours longer answers: here "
        f"{longer} averaged {max(ours, peer):.0f} words against {min(ours, peer):.0f} for {shorter}."
    )


def abstention_finding(r: RunResults) -> str:
    """What the abstention figures say."""
    unanswerable = share([a.mode == "abstained" for a in r.unanswerable])
    false = share([a.mode == "abstained" for a in r.ours])
    return (
        f"Ours abstained on {pct(unanswerable)} of the {len(r.unanswerable)} unanswerable questions and on "
        f"{pct(false)} of the {len(r.ours)} answerable ones (false abstentions); the peer has no abstention "
        f"rule and said it did not know in {pct(share([a.says_dont_know for a in r.peer]))} of answerable cases."
    )


def caveat(r: RunResults) -> str:
    """Why the figures are only indicative."""
    step = 100 / len(r.qas) if r.qas else float("nan")
    return (
        f"All figures are relative, from one run on a small shared machine (load average "
        f"{r.load_start[0]:.2f} at the start, {r.load_end[0]:.2f} at the end): latencies are noisy and only the "
        f"ratios within this run are meaningful. With {len(r.qas)} questions one question moves a rate by "
        f"{step:.1f} points."
    )


def findings(r: RunResults) -> list[str]:
    """The paragraphs of "what this shows"."""
    return [retrieval_finding(r), answer_finding(r), abstention_finding(r), caveat(r)]
