"""The corpus section of ``docs/benchmarks.md``: retrieval and faithfulness on the handbook and the Debian Reference."""

from __future__ import annotations

from collections.abc import Callable

from bench.answers import AnswerRecord
from bench.corpora.run import CorpusRun, K, QuestionSet, faithfulness, mrr, recall_at
from bench.report import render_table
from bench.results import loads, ms, num, pct, times
from bench.stats import percentile, ratio
from bench.tables import Table

TITLE = "## Two corpora: the handbook and the Debian Reference"
INTRO = (
    "The handbook and its questions were written here, together with the answerer. The second corpus was not: "
    "it is the Debian Reference (Debian package `debian-reference-en` 2.100, 14 HTML pages: the preface, 12 "
    "chapters and the appendix), fetched by `python -m bench.corpora.fetch` into `.cache/corpora/`. Its "
    "questions (`bench/corpora/debian_reference/`) were written by reading the pages and asking the way people "
    "ask in chat, with the key facts a correct answer must hold and the pages that answer them; they are split "
    "into dev (used for tuning) and test (frozen: its sha256 is committed in `SHA256SUMS` and checked by "
    "`tests/test_eval_corpus.py`; look at it only to report), each with 10 questions the corpus cannot answer. "
    "The handbook set is in-distribution; the Debian Reference sets are out-of-distribution (other authors, "
    "real documents, technical content)."
)
DEFINITIONS = [
    f"- **Retrieval** here goes through the answer agent's retriever (`agent.retrieve`, k={K}), as "
    "`steward eval retrieval` does; recall@k and MRR are at file level, and a question counts as found at the "
    "best rank of any page that answers it.",
    "- **Key-fact hit**: the answer holds every key fact (handbook: the key facts of the reference answer; "
    "Debian Reference: the facts listed with the question).",
    "- **Sentences supported**: answer sentences (of replies that do not abstain) for which one cited passage "
    "holds at least 70% of the sentence's content terms and all of its numbers (`agents.eval.faithfulness`).",
    "- **Citation precision**: cited passages that hold at least one key fact of the question.",
    "- **Cites an accepted page**: the citations include a page that answers the question.",
    "- **False abstention**: answerable questions where the reply abstains or says it does not know.",
    "- **Malformed**: replies with an empty answer, a table header row, a bare `|` row, only a question, or a "
    "fragment (a cut sentence, a numbered heading, or a verbless run with no closing punctuation); "
    "`agents.eval.malformed`, the check `tests/test_reply_quality.py` also runs.",
]


def ingestion_table(run: CorpusRun) -> Table:
    """Files, chunks and seconds to ingest the Debian Reference."""
    ing = run.ingest
    rows = [
        ["files", str(ing.files)],
        ["chunks", str(ing.chunks)],
        ["seconds", num(ing.seconds, 1)],
        ["chunks / second", num(ing.chunks / ing.seconds, 1) if ing.seconds else "n/a"],
        ["failed files", str(len(ing.failed))],
    ]
    return Table("Ingestion of the Debian Reference", ["Measure", "Value"], rows)


def retrieval_table(run: CorpusRun) -> Table:
    """Recall@1, recall@5 and MRR per set."""
    rows = [
        [s.name, str(len(s.ranks)), num(recall_at(s.ranks, 1)), num(recall_at(s.ranks, 5)), num(mrr(s.ranks))]
        for s in run.sets
    ]
    return Table(
        f"Retrieval through the agent's retriever, k={K} (file level)",
        ["Set", "Questions", "recall@1", "recall@5", "MRR"],
        rows,
    )


def _latency(records: list[AnswerRecord]) -> float:
    return percentile([a.latency_ms for a in records], 50)


def _cites(records: list[AnswerRecord]) -> float:
    return sum(a.cited_expected for a in records) / len(records) if records else float("nan")


def answers_table(s: QuestionSet) -> Table:
    """Faithfulness and answer figures of one set: ours, the whole-passages peer, and the ratio."""
    ours, peer = faithfulness(s, "ours"), faithfulness(s, "peer")
    malformed_peer = sum(1 for a in s.peer if a.malformed)
    malformed_ours = sum(1 for a in s.ours if a.malformed)
    rows: list[tuple[str, float, float, Callable[[float], str]]] = [
        ("key-fact hit rate", ours.key_fact_hit_rate, peer.key_fact_hit_rate, pct),
        ("sentences supported by a cited passage", ours.sentence_support, peer.sentence_support, pct),
        ("citation precision", ours.citation_precision, peer.citation_precision, pct),
        ("cites an accepted page", _cites(s.ours), _cites(s.peer), pct),
        ("false abstention", ours.false_abstention, peer.false_abstention, pct),
        ("latency p50", _latency(s.ours), _latency(s.peer), ms),
    ]
    if not s.peer:
        body = [[name, fmt(a), "not run", ""] for name, a, _, fmt in rows]
        body.append(["malformed replies (answerable)", f"{malformed_ours}/{len(s.ours)}", "not run", ""])
    else:
        body = [[name, fmt(a), fmt(b), times(ratio(a, b))] for name, a, b, fmt in rows]
        body.append(
            ["malformed replies (answerable)", f"{malformed_ours}/{len(s.ours)}", f"{malformed_peer}/{len(s.peer)}", ""]
        )
    unanswered = sum(1 for a in s.unanswerable if a.scored is not None and a.scored.abstained)
    body.append(["abstains on unanswerable", f"{unanswered}/{len(s.unanswerable)}", "not run", ""])
    return Table(
        f"Answers and faithfulness: {s.name}, {len(s.ours)} answerable + {len(s.unanswerable)} unanswerable",
        ["Metric", "Ours", "Whole passages (peer)", "Ratio ours/peer"],
        body,
    )


def malformed_table(run: CorpusRun) -> Table:
    """Our malformed replies by kind, per set (answerable and unanswerable replies together)."""
    from agents.eval.malformed import KINDS

    counts = {s.name: faithfulness(s, "ours").malformed_by_kind for s in run.sets}
    rows = [[kind, *(str(counts[s.name].get(kind, 0)) for s in run.sets)] for kind in KINDS]
    return Table("Our malformed replies by kind", ["Kind", *(s.name for s in run.sets)], rows)


def tables(run: CorpusRun) -> list[Table]:
    """Every corpus table, in order."""
    return [ingestion_table(run), retrieval_table(run), *(answers_table(s) for s in run.sets), malformed_table(run)]


def tables_text(run: CorpusRun) -> str:
    """The tables for stdout."""
    return "\n\n".join(f"{t.title}\n\n{render_table(t)}" for t in tables(run))


def section(run: CorpusRun, command: str = "make bench") -> str:
    """The Markdown section."""
    parts = [TITLE, "", INTRO, ""]
    parts += [
        f"Command: `{command}`. "
        f"Load average (1m / 5m / 15m): {loads(run.load_start)} at the start of this part, "
        f"{loads(run.load_end)} at its end; it took {run.runtime_s:.0f} s.",
        "",
    ]
    for table in tables(run):
        parts += [f"### {table.title}", "", render_table(table), ""]
    parts += ["### How these are measured", "", *DEFINITIONS, ""]
    return "\n".join(parts)


def replace_section(document: str, text: str) -> str:
    """``document`` with its corpus section replaced by ``text`` (inserted before the definitions if absent)."""
    if TITLE in document:
        start = document.index(TITLE)
        following = document.find("\n## ", start + len(TITLE))
        end = len(document) if following < 0 else following + 1
        return document[:start] + text.rstrip("\n") + "\n\n" + document[end:]
    anchor = document.find("## How it is measured")
    if anchor < 0:
        return document.rstrip("\n") + "\n\n" + text
    return document[:anchor] + text.rstrip("\n") + "\n\n" + document[anchor:]
