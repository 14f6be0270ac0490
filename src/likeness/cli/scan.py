"""``likeness scan``: clear media before release."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from likeness.cli.state import state_of
from likeness.domain.consent import ReplicaKind
from likeness.domain.decision import DecisionOutcome
from likeness.domain.scan import ScanOptions, ScanReport
from likeness.errors import NotFoundError
from likeness.scan.report import report_csv, report_html
from likeness.services.inputs import parse_date
from likeness.services.registry import RegistryService
from likeness.services.scans import expand


def scan(
    ctx: typer.Context,
    media: Annotated[list[Path], typer.Argument(help="Files or directories of media.")],
    production: Annotated[str, typer.Option(help="The production releasing this media.")],
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report.")] = None,
    html_path: Annotated[Path | None, typer.Option("--html", help="Write the HTML report.")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write the CSV report.")] = None,
    fail_on: Annotated[
        DecisionOutcome | None,
        typer.Option(
            "--fail-on",
            help="Exit non-zero when any appearance has this decision (not_covered).",
        ),
    ] = None,
    fps: Annotated[float, typer.Option(help="Frames sampled per second of video.")] = 2.0,
    kind: Annotated[
        ReplicaKind, typer.Option(help="How the media uses likenesses.")
    ] = ReplicaKind.EMPLOYMENT_BASED,
    synthetic_as: Annotated[
        ReplicaKind,
        typer.Option(
            "--synthetic-as",
            help="How a registered performer in media declared AI-generated is decided.",
        ),
    ] = ReplicaKind.INDEPENDENTLY_CREATED,
    purpose: Annotated[
        str,
        typer.Option(help="The use's purpose; empty: any consented purpose of this production."),
    ] = "",
    on: Annotated[str | None, typer.Option("--date", help="Date of use (default today).")] = None,
    ray: Annotated[bool, typer.Option("--ray", help="Detect on Ray, one task per file.")] = False,
    ray_address: Annotated[
        str | None, typer.Option(help="A Ray cluster address; default: a local Ray instance.")
    ] = None,
) -> None:
    """Find every registered likeness in the media and decide each appearance."""
    state = state_of(ctx)
    if ray or ray_address:
        state.configure(scan_runner="ray", ray_address=ray_address)
    services = state.services()
    options = ScanOptions(
        production_id=production,
        fps=fps,
        replica_kind=kind,
        synthetic_as=synthetic_as,
        purpose=purpose,
        use_date=None if on is None else parse_date(on, "--date"),
    )
    title = services.registry.get_production(production).title  # an unknown one fails first
    files = expand(media)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("scanning", total=len(files))

        def step(path: Path) -> None:
            bar.update(task, description=f"scanning {path.name}", advance=1)

        report = services.scans.scan(files, options, progress=step)
        bar.update(task, completed=len(files))
    if json_path:
        json_path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    if html_path:
        names = _performer_names(services.registry, report)
        page = report_html(report, names, production=title)
        html_path.write_text(page, encoding="utf-8")
    if csv_path:
        csv_path.write_text(report_csv(report), encoding="utf-8")
    stats = dataclasses.asdict(report.stats())
    typer.echo(", ".join(f"{k}: {v}" for k, v in stats.items()))
    for item in report.media:
        if item.error:
            typer.echo(f"not scanned: {item.error}", err=True)
    if fail_on is not None and report.count(fail_on):
        typer.echo(f"failing: {report.count(fail_on)} appearance(s) are {fail_on.value}", err=True)
        raise typer.Exit(12)


def _performer_names(registry: RegistryService, report: ScanReport) -> dict[str, str]:
    """The name each appearing performer works under, for the HTML report (not from the
    portal's labels: the CLI starts without the web stack). One erased since is left
    out: the report calls them "a performer not named here"."""
    names = {}
    for performer_id in {a.performer_id for a in report.appearances() if a.performer_id}:
        try:
            person = registry.get_performer(performer_id)
        except NotFoundError:
            continue
        names[performer_id] = person.professional_name or person.legal_name
    return names
