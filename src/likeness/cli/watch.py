"""``likeness watch``: watched sources of media, polled for what needs action."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from likeness.cli import render
from likeness.cli.state import state_of
from likeness.errors import InvalidInputError

app = typer.Typer(
    help="Watch feeds, listings and folders for media; flag what needs action.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


@app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="An RSS/Atom/JSON feed or listing URL, or a folder.")],
    production: Annotated[
        str | None, typer.Option(help="Decide what is found for this production.")
    ] = None,
    any_production: Annotated[
        bool, typer.Option("--any", help="Decide against no production (nothing is covered).")
    ] = False,
) -> None:
    """Watch a source; 'likeness watch run' (or 'serve') polls it."""
    if (production is None) == (not any_production):
        raise InvalidInputError("name the production (--production ID) or watch for --any")
    source = state_of(ctx).services().watch.add(url, production)
    typer.echo(f"watching {source.url} ({source.kind.value}) as {source.id}")


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """The watched sources, when each was last read and its last error."""
    sources = state_of(ctx).services().watch.sources()
    rows = [
        {
            "id": s.id,
            "url": s.url,
            "kind": s.kind.value,
            "production_id": s.production_id,
            "last_run_at": None if s.last_run_at is None else s.last_run_at.isoformat(),
            "last_error": s.last_error,
        }
        for s in sources
    ]
    if as_json:
        render.emit_json(rows)
        return
    for row in rows:
        production = row["production_id"] or "any"
        typer.echo(f"{row['id']}  {row['url']}  ({row['kind']}, {production})")
        if row["last_error"]:
            typer.echo(f"    last error: {row['last_error']}")


@app.command("run")
def run(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Poll every source once: each new item is fetched, checked against the stay-down
    fingerprints, scanned, and recorded (flagged, for review, clear, matched, error)."""
    watch = state_of(ctx).services().watch
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), transient=True, disable=as_json
    ) as bar:
        task = bar.add_task("reading the sources", total=None)
        done = watch.run(lambda url: bar.update(task, description=f"checking {url}"))
    rows = [
        {"url": i.url, "status": i.status.value, "sha256": i.sha256, "detail": i.detail}
        for i in done.items
    ]
    if as_json:
        render.emit_json(
            {
                "items": rows,
                "source_errors": [{"url": u, "error": e} for u, e in done.source_errors],
            }
        )
        return
    for row in rows:
        detail = f": {row['detail']}" if row["detail"] else ""
        typer.echo(f"{row['status']:<9} {row['url']}{detail}")
    for url, error in done.source_errors:
        typer.echo(f"source error {url}: {error}")
    if not rows and not done.source_errors:
        typer.echo("nothing new")
