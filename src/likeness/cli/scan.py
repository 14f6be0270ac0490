"""``likeness scan``: clear media before release."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from likeness.cli.state import state_of
from likeness.domain.consent import ReplicaKind
from likeness.scan.report import report_csv, report_html, report_json
from likeness.services.roster import parse_date
from likeness.services.scans import ScanOptions, expand


def scan(
    ctx: typer.Context,
    media: Annotated[list[Path], typer.Argument(help="Files or directories of media.")],
    production: Annotated[str, typer.Option(help="The production releasing this media.")],
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report.")] = None,
    html_path: Annotated[Path | None, typer.Option("--html", help="Write the HTML report.")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write the CSV report.")] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit non-zero when any appearance has this decision (not_covered).",
        ),
    ] = None,
    fps: Annotated[float, typer.Option(help="Frames sampled per second of video.")] = 2.0,
    kind: Annotated[
        ReplicaKind, typer.Option(help="How the media uses likenesses.")
    ] = ReplicaKind.EMPLOYMENT_BASED,
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
    services = state_of(ctx).services()
    options = ScanOptions(
        production_id=production,
        fps=fps,
        replica_kind=kind,
        purpose=purpose,
        use_date=None if on is None else parse_date(on, "--date"),
    )
    services.registry.get_production(production)  # an unknown production fails first
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
            bar.update(task, description=f"scanning {path.name}", advance=0)

        detector = None
        if ray or ray_address:
            from likeness.scan.ray_runner import RayDetector

            detector = RayDetector(ray_address)
        try:
            report = services.scans.scan(files, options, progress=step, detector=detector)
        finally:
            if detector is not None:
                detector.shutdown()
        bar.update(task, completed=len(files))
    data = report_json(production, report.media, report.stats())
    if json_path:
        json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if html_path:
        html_path.write_text(report_html(data), encoding="utf-8")
    if csv_path:
        csv_path.write_text(report_csv(data), encoding="utf-8")
    stats = data["stats"]
    typer.echo(", ".join(f"{k}: {v}" for k, v in stats.items()))
    for item in data["media"]:
        if item["error"]:
            typer.echo(f"not scanned: {item['error']}", err=True)
    if fail_on and any(a["decision"] == fail_on for a in data["appearances"]):
        typer.echo(f"failing: {stats.get(fail_on, 0)} appearance(s) are {fail_on}", err=True)
        raise typer.Exit(12)
