"""``steward tune sft|dpo|runs`` and ``steward model-card``: train adapters and describe the active one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from agents.models.adapters import AdapterError
from agents.tuning.result import TuneError
from bot.cli.common import fail, open_app, settings_for_cli

tune_app = typer.Typer(no_args_is_help=True, help="LoRA tuning on a feedback dataset version (TRL + peft).")

Dataset = Annotated[str, typer.Option("--dataset", help="A version from `steward feedback snapshot`.")]
Name = Annotated[str | None, typer.Option("--name", help="Adapter name (default: METHOD-VERSION).")]
Quiet = Annotated[bool, typer.Option("--no-progress", help="No progress bar.")]


def _train(method: str, dataset: str, name: str | None, quiet: bool) -> None:
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        try:
            info = app.tuning.train(method, dataset, name, progress=not quiet)  # type: ignore[arg-type]
        except (TuneError, AdapterError) as exc:
            fail(str(exc), 2)
        except KeyError as exc:
            fail(str(exc.args[0]), 2)
    training = info.metrics["training"]
    typer.echo(
        f"registered adapter {info.name} ({training['steps']} steps, {training['seconds_per_step']:.2f} s/step, "
        f"{training['device']}{', QLoRA nf4' if training['qlora'] else ''}); "
        f"next: steward adapters eval {info.name}"
    )


@tune_app.command("sft")
def tune_sft(dataset: Dataset, name: Name = None, quiet: Quiet = False) -> None:
    """Supervised LoRA tuning on the dataset's liked answers and corrections (sft.jsonl)."""
    _train("sft", dataset, name, quiet)


@tune_app.command("dpo")
def tune_dpo(dataset: Dataset, name: Name = None, quiet: Quiet = False) -> None:
    """DPO LoRA tuning on the dataset's preference pairs (dpo.jsonl)."""
    _train("dpo", dataset, name, quiet)


@tune_app.command("runs")
def tune_runs() -> None:
    """Every tuning run: method, dataset, adapter, seed and final loss."""
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        runs = app.tuning.runs()
    for r in runs:
        loss = r["metrics"].get("train_loss")
        finished = f"{r['finished_at']:%Y-%m-%d %H:%M}" if r["finished_at"] else "unfinished"
        if "error" in r["metrics"]:
            finished = f"failed: {r['metrics']['error']}"
        typer.echo(
            f"{r['started_at']:%Y-%m-%d %H:%M}  {r['kind']:<4} dataset={r['dataset_version']} "
            f"adapter={r['adapter'] or '-'} seed={r['seed']} loss={loss if loss is not None else '-'} {finished}"
        )


def model_card_command(
    adapter: Annotated[str | None, typer.Option("--adapter", help="Default: the active adapter.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the card.")] = Path("docs/model_card.md"),
) -> None:
    """Write the model card of the active adapter from its real gate evaluation and training record."""
    settings = settings_for_cli(interactive=False)
    with open_app(settings) as app:
        try:
            card = app.tuning.model_card(adapter)
        except AdapterError as exc:
            fail(str(exc), 2)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(card, encoding="utf-8")
    typer.echo(f"wrote {out}")


def print_report(report: dict, as_json: bool) -> None:
    """A gate report as JSON or as a short table."""
    if as_json:
        typer.echo(json.dumps(report, indent=1))
        return
    cand, cur = report["candidate"], report["current"]
    typer.echo(f"{'METRIC':<18} {cand['name'][:14]:>14} {cur['name'][:14]:>14} {'CHANGE':>8}")
    for metric, delta in report["deltas"].items():
        typer.echo(f"{metric:<18} {cand[metric]:>14.3f} {cur[metric]:>14.3f} {delta:>+8.3f}")
    typer.echo(f"decision: {report['decision']}")
    for reason in report["reasons"]:
        typer.echo(f"- {reason}")
