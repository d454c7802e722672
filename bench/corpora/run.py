"""The second corpus in ``make bench``: the Debian Reference, next to the handbook, on the same Steward.

The corpus is ingested into its own collection of the bench tenant. For every question set (the handbook's
48 questions, the Debian Reference dev split and its frozen test split) it measures:

* retrieval through the answer agent's retriever (``agent.retrieve``, k=10, as ``steward eval retrieval``
  does): recall@1, recall@5 and MRR at file level, a question counting as found at the best rank of any of
  its accepted pages;
* our answers and the whole-passages peer's (``bench.answers``), scored for faithfulness
  (``agents.eval.faithfulness``) and checked for malformed replies (``agents.eval.malformed``);
* our replies to the set's unanswerable questions.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agents.eval.faithfulness import Faithfulness, ScoredReply, summarize
from agents.eval.malformed import ReplyChecker
from agents.eval.retrieval import first_rank
from agents.retrieval.store import Scope
from bench import answers
from bench.answers import AnswerRecord
from bench.corpora import fetch
from bench.corpora.questions import load_questions, load_unanswerable
from bench.dataset import QA, TENANT
from bench.harness import IngestResult
from bench.machine import load_average
from bench.results import RunResults
from bot.container import Steward

COLLECTION = "debian-reference"
SCOPE = Scope(TENANT, (COLLECTION,))
K = 10
QUICK_STRIDE = 4


@dataclass
class QuestionSet:
    """One set's results: retrieval ranks, both sides' answers, and our unanswerable replies."""

    name: str
    ranks: list[int | None]
    ours: list[AnswerRecord]
    peer: list[AnswerRecord]
    unanswerable: list[AnswerRecord]


@dataclass
class CorpusRun:
    """Everything the corpus part of one bench run measured."""

    ingest: IngestResult
    sets: list[QuestionSet] = field(default_factory=list)
    load_start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_end: tuple[float, float, float] = (0.0, 0.0, 0.0)
    runtime_s: float = 0.0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def as_qa(split: str) -> list[QA]:
    """A split of the corpus questions in the bench's ``QA`` shape."""
    return [
        QA(q.question, q.expected_source, q.answer, facts=q.facts, sources=q.sources) for q in load_questions(split)
    ]


def ingest(steward: Steward) -> IngestResult:
    """Fetch the corpus when missing, ingest it into its collection, and time it."""
    directory = fetch.fetch()
    start = time.perf_counter()
    report = steward.ingestor.ingest([directory], TENANT, COLLECTION)
    seconds = time.perf_counter() - start
    files = len(report.added) + len(report.updated) + len(report.unchanged)
    return IngestResult(files=files, chunks=report.chunks_written, seconds=seconds, failed=report.failed)


def file_rank(sources: Sequence[str], accepted: Sequence[str]) -> int | None:
    """The best file-level rank of any accepted page among the ranked chunk ``sources``."""
    ranks = [r for r in (first_rank(sources, a) for a in accepted) if r is not None]
    return min(ranks, default=None)


def ranks(steward: Steward, qas: Sequence[QA], scope: Scope) -> list[int | None]:
    """Each question's file-level rank through the answer agent's retriever (top ``K`` chunks)."""
    found = []
    for qa in qas:
        documents = steward.agent.retrieve(qa.question, scope, K).documents
        found.append(file_rank([str(d.metadata["source"]) for d in documents], qa.accepted_sources))
    return found


def recall_at(found: Sequence[int | None], k: int) -> float:
    """Share of questions whose page is within the first ``k`` files."""
    return sum(1 for r in found if r is not None and r <= k) / len(found) if found else float("nan")


def mrr(found: Sequence[int | None]) -> float:
    """Mean reciprocal rank (0 for a question whose page is not in the top ``K``)."""
    return sum(1 / r for r in found if r is not None) / len(found) if found else float("nan")


def run_set(
    steward: Steward,
    name: str,
    qas: list[QA],
    unanswerable: list[str],
    checker: ReplyChecker,
    scope: Scope,
    peer: bool = True,
) -> QuestionSet:
    """Retrieval, our answers (and the peer's, with ``peer``) and the unanswerable questions of one set."""
    _say(f"{name}: retrieval, {len(qas)} questions...")
    found = ranks(steward, qas, scope)
    _say(f"{name}: answers, {len(qas)} questions" + (", ours vs whole passages..." if peer else ", ours only..."))
    if peer:
        ours, theirs = answers.run_answerable(steward, qas, checker, scope)
    else:
        ours, theirs = answers.run_ours(steward, qas, checker, scope), []
    _say(f"{name}: {len(unanswerable)} unanswerable questions...")
    return QuestionSet(name, found, ours, theirs, answers.run_unanswerable(steward, unanswerable, checker, scope))


def _checked(records: list[AnswerRecord], checker: ReplyChecker) -> list[AnswerRecord]:
    def check(a: AnswerRecord) -> AnswerRecord:
        if a.scored is None:
            return a
        return dataclasses.replace(a, scored=dataclasses.replace(a.scored, malformed=tuple(checker.kinds(a.text))))

    return [check(a) for a in records]


def handbook_set(steward: Steward, r: RunResults, checker: ReplyChecker) -> QuestionSet:
    """The handbook's answers from the main run, checked for malformed replies, and its retrieval ranks."""
    from bench.dataset import SCOPE as HANDBOOK_SCOPE

    _say(f"handbook: retrieval through the agent's retriever, {len(r.qas)} questions...")
    found = ranks(steward, r.qas, HANDBOOK_SCOPE)
    return QuestionSet(
        "Handbook", found, _checked(r.ours, checker), _checked(r.peer, checker), _checked(r.unanswerable, checker)
    )


def measure(steward: Steward, r: RunResults, quick: bool) -> CorpusRun:
    """The corpus part of the bench: ingest, then every set (dev only, every 4th question, when ``quick``)."""
    started, load_start = time.perf_counter(), load_average()
    checker = ReplyChecker.load()
    _say("ingesting the Debian Reference...")
    result = CorpusRun(ingest=ingest(steward), load_start=load_start)
    if result.ingest.failed:
        raise SystemExit(f"corpus ingestion failed: {result.ingest.failed}")
    result.sets.append(handbook_set(steward, r, checker))
    for split in ("dev",) if quick else ("dev", "test"):
        qas = as_qa(split)[:: QUICK_STRIDE if quick else 1]
        name = f"Debian Reference {split}" + (" (frozen)" if split == "test" else "")
        result.sets.append(run_set(steward, name, qas, load_unanswerable(split), checker, SCOPE))
    result.load_end, result.runtime_s = load_average(), time.perf_counter() - started
    return result


def scored(records: Sequence[AnswerRecord]) -> list[ScoredReply]:
    """The faithfulness scores of ``records``."""
    return [a.scored for a in records if a.scored is not None]


def faithfulness(s: QuestionSet, side: str) -> Faithfulness:
    """One side's faithfulness over a set (the peer has no unanswerable replies)."""
    if side == "ours":
        return summarize(scored(s.ours), scored(s.unanswerable))
    return summarize(scored(s.peer), [])


def write_answers(run: CorpusRun, path: Path) -> None:
    """Every answer of every set as JSON lines, for inspection."""
    import json

    lines = []
    for s in run.sets:
        groups = {"ours": s.ours, "peer": s.peer, "ours-unanswerable": s.unanswerable}
        for side, rows in groups.items():
            for a in rows:
                row = {"set": s.name, "side": side, **dataclasses.asdict(a), "hit": a.hit}
                lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
