"""``steward jobs``: the scheduled jobs, their next and last runs, and running one now."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from bot.cli.common import fail, open_app, settings_for_cli
from bot.scheduler import Job
from bot.store.job_runs import last_runs, stored_next_runs

jobs_app = typer.Typer(no_args_is_help=True, help="Scheduled jobs: list them, or run one now.")


def _next_run(job: Job, stored: dict[str, datetime | None]) -> str:
    """The store's next run time once a leader has scheduled the job, else the trigger's next fire time."""
    when = stored[job.name] if job.name in stored else job.make_trigger().get_next_fire_time(None, datetime.now(UTC))
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "-"


@jobs_app.command("list")
def jobs_list() -> None:
    """Every configured job: trigger, next run, and the outcome of its last recorded run."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        jobs, last, stored = app.jobs(), last_runs(app.database), stored_next_runs(app.database)
    typer.echo(f"{'JOB':<20} {'TRIGGER':<28} {'NEXT RUN':<22} LAST RUN")
    for job in jobs:
        run = last.get(job.name)
        done = (
            f"{run.outcome} at {run.finished_at:%Y-%m-%d %H:%M} on {run.host}" if run and run.finished_at else "never"
        )
        typer.echo(f"{job.name:<20} {str(job.make_trigger()):<28} {_next_run(job, stored):<22} {done}")


@jobs_app.command("run")
def jobs_run(name: Annotated[str, typer.Argument(help="The job's name (see `steward jobs list`).")]) -> None:
    """Run one job now in this process; the run is recorded like a scheduled one."""
    settings = settings_for_cli()
    with open_app(settings) as app:
        jobs = {job.name: job for job in app.jobs()}
        if name not in jobs:
            fail(f"no job named {name!r}; the jobs are: {', '.join(jobs)}", 2)
        run = app.job_runner(jobs[name])
    typer.echo(f"{run.job}: {run.outcome} {json.dumps(run.detail, ensure_ascii=False)}")
    raise typer.Exit(1 if run.outcome == "error" else 0)
