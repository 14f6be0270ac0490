"""``likeness performer``: register, read, update and import performers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from likeness.cli import render
from likeness.cli.log import save_receipt
from likeness.cli.state import state_of
from likeness.errors import InvalidInputError
from likeness.services.inputs import PerformerChanges, PerformerInput, parse_date
from likeness.services.roster import REQUIRED_COLUMNS, parse_representative

app = typer.Typer(help="Register and read performers.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
ReceiptOption = Annotated[
    Path | None,
    typer.Option("--receipt", help="Write the log receipt for this change to a file."),
]
RepOption = Annotated[
    list[str] | None,
    typer.Option(
        "--representative",
        "-r",
        help="CAPACITY:NAME (agent, manager, attorney, union, estate, guardian); repeatable.",
    ),
]


def _show(performer_json: dict[str, object], as_json: bool) -> None:
    if as_json:
        render.emit_json(performer_json)
    else:
        render.fields(f"performer {performer_json['id']}", performer_json)


@app.command("add")
def add(
    ctx: typer.Context,
    legal_name: Annotated[str, typer.Option(help="Legal name.")],
    date_of_birth: Annotated[str, typer.Option(help="YYYY-MM-DD; minors' rules use it.")],
    professional_name: Annotated[str | None, typer.Option(help="Professional name.")] = None,
    union: Annotated[str | None, typer.Option(help="Union, e.g. SAG-AFTRA.")] = None,
    member_number: Annotated[str | None, typer.Option(help="Union member number.")] = None,
    deceased_on: Annotated[str | None, typer.Option(help="Date of death, YYYY-MM-DD.")] = None,
    domicile: Annotated[str | None, typer.Option(help="ISO 3166 code, e.g. US-CA.")] = None,
    representative: RepOption = None,
    receipt: ReceiptOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a performer."""
    data = PerformerInput(
        legal_name=legal_name,
        date_of_birth=parse_date(date_of_birth, "date of birth"),
        professional_name=professional_name,
        union=union,
        member_number=member_number,
        date_of_death=None if deceased_on is None else parse_date(deceased_on, "date of death"),
        domicile=domicile,
        representatives=tuple(parse_representative(r) for r in representative or ()),
    )
    state = state_of(ctx)
    recorded = state.services().registry.add_performer(data)
    save_receipt(state, recorded.log_indexes, receipt)
    _show(render.performer_json(recorded.value), as_json)


@app.command("update")
def update(
    ctx: typer.Context,
    performer_id: Annotated[str, typer.Argument(help="Performer id.")],
    professional_name: Annotated[str | None, typer.Option()] = None,
    union: Annotated[str | None, typer.Option()] = None,
    member_number: Annotated[str | None, typer.Option()] = None,
    deceased_on: Annotated[str | None, typer.Option(help="Record the date of death.")] = None,
    domicile: Annotated[str | None, typer.Option()] = None,
    representative: RepOption = None,
    receipt: ReceiptOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Change a performer's details, record a death, or add representatives."""
    changes = PerformerChanges(
        professional_name=professional_name,
        union=union,
        member_number=member_number,
        date_of_death=None if deceased_on is None else parse_date(deceased_on, "date of death"),
        domicile=domicile,
        add_representatives=tuple(parse_representative(r) for r in representative or ()),
    )
    state = state_of(ctx)
    recorded = state.services().registry.update_performer(performer_id, changes)
    save_receipt(state, recorded.log_indexes, receipt)
    _show(render.performer_json(recorded.value), as_json)


@app.command("erase")
def erase(
    ctx: typer.Context,
    performer_id: Annotated[str, typer.Argument(help="Performer id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Erase a performer's personal data (registry row, representatives, their accounts,
    the salt of their log commitments). The log keeps its commitments; proofs stay valid."""
    if not yes:
        raise InvalidInputError(
            f"erasing performer {performer_id} cannot be undone", hint="add --yes to confirm"
        )
    recorded = state_of(ctx).services().registry.erase_performer(performer_id)
    if as_json:
        render.emit_json({"erased": recorded.value, "log_index": recorded.log_indexes[0]})
    else:
        typer.echo(f"erased performer {recorded.value} (log entry {recorded.log_indexes[0]})")


@app.command("show")
def show(
    ctx: typer.Context,
    performer_id: Annotated[str, typer.Argument(help="Performer id.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one performer."""
    performer = state_of(ctx).services().registry.get_performer(performer_id)
    _show(render.performer_json(performer), as_json)


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List performers."""
    performers = state_of(ctx).services().registry.list_performers()
    if as_json:
        render.emit_json([render.performer_json(p) for p in performers])
        return
    render.table(
        f"{len(performers)} performer(s)",
        ("id", "legal name", "professional name", "union", "member no.", "born", "status"),
        (
            (
                p.id,
                p.legal_name,
                p.professional_name,
                p.union,
                p.member_number,
                p.date_of_birth,
                p.status.value,
            )
            for p in performers
        ),
    )


@app.command("import")
def import_(
    ctx: typer.Context,
    csv_file: Annotated[
        Path,
        typer.Argument(
            help=f"UTF-8 CSV with header {','.join(REQUIRED_COLUMNS)} "
            "[,date_of_death,domicile,representatives]."
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Import a roster CSV: every row or none; bad rows are reported by line number."""
    summary = state_of(ctx).services().registry.import_performers(csv_file)
    if as_json:
        render.emit_json(
            {
                "imported": summary.imported,
                "performer_ids": summary.performer_ids,
                "log_indexes": [summary.log_indexes[0], summary.log_indexes[-1]]
                if summary.log_indexes
                else [],
            }
        )
    else:
        typer.echo(f"imported {summary.imported} performer(s) from {csv_file}")
