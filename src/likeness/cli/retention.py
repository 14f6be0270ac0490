"""``likeness retention run``: apply the retention schedule of biometric data now."""

from __future__ import annotations

from typing import Annotated

import typer

from likeness.api.present import retention_report_json
from likeness.bootstrap import Services
from likeness.cli import render
from likeness.cli.state import state_of
from likeness.services.retention import RetentionReport, RetentionScheduler, RetentionStep

app = typer.Typer(
    help="The retention schedule of biometric data (docs/retention.md).", no_args_is_help=True
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


@app.command("run")
def run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="List who would be warned and whose data destroyed."),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Warn performers whose biometric data is due for destruction within the warning
    window, and destroy the templates, vault data and index entries of every performer
    whose last interaction is older than the schedule allows. `likeness serve` runs it
    daily too."""
    report = state_of(ctx).services().retention.run(dry_run=dry_run)
    if as_json:
        render.emit_json(retention_report_json(report))
        return
    would = "would be " if dry_run else ""
    policy = report.policy
    typer.echo(
        f"{report.held} performer(s) hold biometric data; kept {policy.years} year(s) after "
        f"the last interaction, warned {policy.warning_days} day(s) ahead ({policy.rule})"
    )
    for title, steps in (
        (f"{would}warned", report.warned),
        (f"{would}destroyed", report.destroyed),
    ):
        if steps:
            _table(f"{len(steps)} {title}", steps)
    if not report.warned and not report.destroyed:
        typer.echo("nothing is due")


def _table(title: str, steps: tuple[RetentionStep, ...]) -> None:
    render.table(
        title,
        ("performer", "templates", "last interaction", "on", "destroy on", "log index"),
        (
            (
                s.holding.performer_id,
                s.holding.templates,
                s.holding.last_interaction.kind.value,
                s.holding.last_interaction.at.date(),
                s.holding.destroy_on,
                s.log_index,
            )
            for s in steps
        ),
    )


def scheduler(services: Services) -> RetentionScheduler:
    """The schedule run now and then daily while the server runs (``likeness serve``;
    in one worker only: ``api/app.py`` runs it under a leader lock)."""
    return RetentionScheduler(
        services.retention.run,
        on_report=_say,
        on_error=lambda exc: typer.echo(f"retention: the run failed: {exc}", err=True),
    )


def _say(report: RetentionReport) -> None:
    if report.warned or report.destroyed:
        typer.echo(
            f"retention: warned {len(report.warned)} performer(s), destroyed the biometric "
            f"data of {len(report.destroyed)}",
            err=True,
        )
