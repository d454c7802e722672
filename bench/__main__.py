"""Run the benchmark (`make bench`): results to stdout and docs/benchmarks.md; see the package docstring.

After the handbook benchmark it runs the scale benchmark (``bench.scale``, docs/benchmarks-scale.md);
``--scale`` runs only that, ``--no-scale`` and ``--quick`` skip it. ``--inference`` runs only the inference
benchmark (``bench.inference``, docs/benchmarks-inference.md); it never runs by default.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench import answers, harness, machine, report, rerank, retrieval
from bench.corpora import report as corpus_report
from bench.corpora import run as corpus_run
from bench.dataset import DOC_FILE, QA, load_qa, load_unanswerable
from bench.results import RunResults
from bench.scale.link import SCALE_COMMAND
from bot.container import Steward

COMMAND = "make bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="use every 4th QA question only; no scale benchmark")
    parser.add_argument("--no-write", action="store_true", help=f"do not rewrite {DOC_FILE.name} (or the scale doc)")
    parser.add_argument("--answers", type=Path, help="also write every answer of both sides to this JSONL file")
    parser.add_argument(
        "--no-corpus", action="store_true", help="skip the second corpus (the Debian Reference, bench/corpora)"
    )
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument(
        "--scale", action="store_true", help="run only the scale benchmark (10k and 100k synthetic chunks)"
    )
    scale.add_argument("--no-scale", action="store_true", help="skip the scale benchmark (so does --quick)")
    parser.add_argument(
        "--governance",
        action="store_true",
        help="run only the governance-chain benchmark (docs/benchmarks-governance.md)",
    )
    parser.add_argument(
        "--inference",
        action="store_true",
        help="run only the inference benchmark (quantization speed and quality, docs/benchmarks-inference.md)",
    )
    return parser.parse_args(argv)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _measure(steward: Steward, qas: list[QA], quick: bool, started: float, date: str) -> RunResults:
    load_start = machine.load_average()
    _say("ingesting the handbook...")
    ingest = harness.ingest_handbook(steward)
    if ingest.failed:
        raise SystemExit(f"ingestion failed: {ingest.failed}")
    _say(f"retrieval: {len(qas)} questions, ours vs exact scan (and forced HNSW)...")
    vectors = steward.embedder.embed_array([qa.question for qa in qas])
    tx, ef_search = steward.database.tenant_connection, steward.settings.retrieval.ef_search
    sides = retrieval.run_retrieval(retrieval.searchers(tx, ef_search), vectors)
    for name, side in sides.items():
        plan = retrieval.query_plan(tx, ef_search, name, vectors[0])
        side.plan, side.uses_hnsw = retrieval.short_plan(plan), retrieval.plan_uses_hnsw(tx, plan)
    _say("loading the chat model...")
    model_load_s = harness.warm_up_model(steward)
    _say(f"answers: {len(qas)} questions, ours vs whole passages...")
    ours, peer = answers.run_answerable(steward, qas)
    _say("unanswerable questions...")
    unanswerable = answers.run_unanswerable(steward, load_unanswerable())
    return RunResults(
        quick=quick,
        qas=qas,
        ingest=ingest,
        model_load_s=model_load_s,
        retrieval=sides,
        ours=ours,
        peer=peer,
        unanswerable=unanswerable,
        machine=machine.describe(steward.database.engine, date),
        model=harness.model_description(steward),
        load_start=load_start,
        load_end=machine.load_average(),
        runtime_s=time.perf_counter() - started,
    )


def _handbook(args: argparse.Namespace) -> None:
    started, date = time.perf_counter(), machine.date_utc()
    with tempfile.TemporaryDirectory(prefix="steward-bench-", ignore_cleanup_errors=True) as tmp:
        steward = Steward.open(harness.bench_settings(Path(tmp)))
        try:
            results = _measure(steward, load_qa(args.quick), args.quick, started, date)
            corpus = None if args.no_corpus else corpus_run.measure(steward, results, args.quick)
            chunks = {"handbook": results.ingest.chunks, "Debian Reference": corpus.ingest.chunks} if corpus else {}
            reranking = None if corpus is None else rerank.measure(steward, args.quick, chunks)
        finally:
            steward.close()
    print(report.tables_text(results))
    if corpus is not None:
        print("\n" + corpus_report.tables_text(corpus))
    if args.answers:
        report.write_answers(results, args.answers)
        if corpus is not None:
            corpus_run.write_answers(corpus, args.answers.with_suffix(".corpus.jsonl"))
    if not args.no_write:
        command = COMMAND + (" (python -m bench --quick)" if args.quick else "")
        sections = [corpus_report.section(corpus, command)] if corpus is not None else []
        sections += [rerank.section(reranking, command)] if reranking is not None else []
        DOC_FILE.write_text(report.markdown(results, command, sections), encoding="utf-8")
        _say(f"wrote {DOC_FILE}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark in throw-away data dirs, print the tables and write ``docs/benchmarks*.md``."""
    args = parse_args(argv)
    if args.inference:
        from bench.inference.run import main as inference_main

        return inference_main(write=not args.no_write, quick=args.quick)
    if args.governance:
        from bench.governance import main as governance_main

        return governance_main(write=not args.no_write)
    if not args.scale:
        _handbook(args)
        from bench.governance import main as governance_main

        governance_main(write=not args.no_write)
    if args.scale or not (args.quick or args.no_scale):
        from bench.scale.run import main as scale_main

        return scale_main(COMMAND if not args.scale else SCALE_COMMAND, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
