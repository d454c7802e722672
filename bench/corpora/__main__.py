"""``python -m bench.corpora``: only the two-corpora part of the bench, written into its section of docs/benchmarks.md.

``make bench`` runs this part after the handbook benchmark, with the whole-passages peer on every set. Run
alone it needs no handbook run: it ingests the handbook and the Debian Reference into a throw-away Steward
and measures retrieval and our answers on the handbook's questions and on both Debian Reference splits;
``--peer`` adds the peer (about five times our answer time).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from agents.eval.malformed import ReplyChecker
from bench import harness
from bench.corpora import report
from bench.corpora.questions import load_unanswerable as corpus_unanswerable
from bench.corpora.run import SCOPE, CorpusRun, as_qa, ingest, run_set, write_answers
from bench.dataset import DOC_FILE, load_qa, load_unanswerable
from bench.dataset import SCOPE as HANDBOOK_SCOPE
from bench.machine import load_average
from bot.container import Steward

COMMAND = "python -m bench.corpora"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("--peer", action="store_true", help="also run the whole-passages peer on every set")
    parser.add_argument("--no-write", action="store_true", help=f"do not rewrite the section in {DOC_FILE.name}")
    parser.add_argument("--answers", type=Path, help="also write every answer to this JSONL file")
    parser.add_argument(
        "--threads", type=int, help="torch threads for the local model (default: the setting; 1 is faster under load)"
    )
    return parser.parse_args(argv)


def measure(steward: Steward, peer: bool) -> CorpusRun:
    """Ingest both corpora and run the handbook, Debian dev and Debian test sets."""
    started, load_start = time.perf_counter(), load_average()
    checker = ReplyChecker.load()
    handbook = harness.ingest_handbook(steward)
    if handbook.failed:
        raise SystemExit(f"handbook ingestion failed: {handbook.failed}")
    run = CorpusRun(ingest=ingest(steward), load_start=load_start)
    run.sets.append(run_set(steward, "Handbook", load_qa(), load_unanswerable(), checker, HANDBOOK_SCOPE, peer))
    for split in ("dev", "test"):
        name = f"Debian Reference {split}" + (" (frozen)" if split == "test" else "")
        run.sets.append(run_set(steward, name, as_qa(split), corpus_unanswerable(split), checker, SCOPE, peer))
    run.load_end, run.runtime_s = load_average(), time.perf_counter() - started
    return run


def main(argv: list[str] | None = None) -> int:
    """Run, print the tables, and rewrite the section of ``docs/benchmarks.md``."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="steward-corpora-", ignore_cleanup_errors=True) as tmp:
        settings = harness.bench_settings(Path(tmp))
        if args.threads:
            settings = settings.model_copy(update={"llm": settings.llm.model_copy(update={"threads": args.threads})})
        steward = Steward.open(settings)
        try:
            harness.warm_up_model(steward)
            run = measure(steward, args.peer)
        finally:
            steward.close()
    print(report.tables_text(run))
    if args.answers:
        write_answers(run, args.answers)
    if not args.no_write:
        command = COMMAND + (" --peer" if args.peer else "") + (f" --threads {args.threads}" if args.threads else "")
        DOC_FILE.write_text(
            report.replace_section(DOC_FILE.read_text(encoding="utf-8"), report.section(run, command)), encoding="utf-8"
        )
        print(f"wrote the corpus section of {DOC_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
