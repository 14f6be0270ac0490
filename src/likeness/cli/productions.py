"""``likeness production``: register and read productions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from likeness.cli import render
from likeness.cli.log import save_receipt
from likeness.cli.state import state_of
from likeness.domain.production import Agreement, ProductionKind
from likeness.services.inputs import ProductionInput, parse_date

app = typer.Typer(help="Register and read productions.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="Title of the film, series, game or campaign.")],
    company: Annotated[str, typer.Option(help="Producing company.")],
    kind: Annotated[ProductionKind, typer.Option(help="Kind of production.")],
    start: Annotated[str, typer.Option(help="Start date, YYYY-MM-DD.")],
    agreement: Annotated[Agreement, typer.Option(help="Governing agreement.")] = Agreement.NONE,
    end: Annotated[str | None, typer.Option(help="End date, YYYY-MM-DD.")] = None,
    jurisdiction: Annotated[
        str | None, typer.Option(help="Law governing the contracts, ISO 3166 (US-CA, US-NY, DK).")
    ] = None,
    receipt: Annotated[
        Path | None,
        typer.Option("--receipt", help="Write the log receipt for this change to a file."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a production."""
    data = ProductionInput(
        title=title,
        company=company,
        kind=kind,
        agreement=agreement,
        start_date=parse_date(start, "start date"),
        end_date=None if end is None else parse_date(end, "end date"),
        jurisdiction=jurisdiction,
    )
    state = state_of(ctx)
    recorded = state.services().registry.add_production(data)
    save_receipt(state, recorded.log_indexes, receipt)
    _show(render.production_json(recorded.value), as_json)


@app.command("show")
def show(
    ctx: typer.Context,
    production_id: Annotated[str, typer.Argument(help="Production id.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one production."""
    production = state_of(ctx).services().registry.get_production(production_id)
    _show(render.production_json(production), as_json)


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List productions."""
    productions = state_of(ctx).services().registry.list_productions()
    if as_json:
        render.emit_json([render.production_json(p) for p in productions])
        return
    render.table(
        f"{len(productions)} production(s)",
        ("id", "title", "company", "kind", "agreement", "start", "end"),
        (
            (p.id, p.title, p.company, p.kind.value, p.agreement.value, p.start_date, p.end_date)
            for p in productions
        ),
    )


def _show(data: dict[str, object], as_json: bool) -> None:
    if as_json:
        render.emit_json(data)
    else:
        render.fields(f"production {data['id']}", data)
