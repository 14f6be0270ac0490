"""``likeness enrol``, ``identify``, ``match reject`` and ``reindex``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from likeness.api.present import enrolment_json, identification_json
from likeness.cli import render
from likeness.cli.log import save_receipt
from likeness.cli.state import CliState, state_of
from likeness.domain.consent import Modality
from likeness.services.enrolment import Enrolment
from likeness.services.events import Recorded

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
matches = typer.Typer(help="Correct identifications.", no_args_is_help=True)


def enrol(
    ctx: typer.Context,
    performer_id: Annotated[str, typer.Argument(help="Performer id.")],
    files: Annotated[list[Path], typer.Argument(help="Photos of the performer, one face each.")],
    modality: Annotated[
        Modality | None, typer.Option(help="face or voice (inferred from the file when omitted).")
    ] = None,
    receipt: Annotated[Path | None, typer.Option("--receipt", help="Write the receipt.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Enrol a performer's likeness: every file must pass the quality gates, or none is kept.
    Raw files and templates are sealed in the vault; the log records a commitment."""
    state = state_of(ctx)
    recorded = state.services().enrolment.enrol(performer_id, files, modality)
    line = f"enrolled {len(files)} sample(s) for {performer_id} ({recorded.value.model_id})"
    report_enrolment(state, recorded, receipt, as_json, line)


def report_enrolment(
    state: CliState,
    recorded: Recorded[Enrolment],
    receipt: Path | None,
    as_json: bool,
    line: str,
) -> None:
    """What every enrol command does with its result: the receipt, then JSON or a line and
    the result's notes (e.g. weak faces ignored)."""
    save_receipt(state, recorded.log_indexes, receipt)
    if as_json:
        render.emit_json(enrolment_json(recorded))
        return
    typer.echo(line)
    for note in recorded.value.notes:
        typer.echo(note)


def identify(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A photo.")],
    as_json: JsonFlag = False,
) -> None:
    """Who is in this photo? Every face: its box, the nearest enrolled performer, the
    distance, and `match` or `unknown` by the threshold in force: the model's active
    calibration, or the settings' default (named)."""
    result = state_of(ctx).services().gallery.identify(file)
    if as_json:
        render.emit_json(identification_json(result))
        return
    render.table(
        f"{len(result.faces)} face(s), {len(result.voices)} voice segment(s) in {file}",
        ("where", "decision", "performer", "distance"),
        (
            (
                None if m.where is None else m.where.as_list(),
                m.decision.value,
                m.performer_id,
                m.distance,
            )
            for m in (*result.faces, *result.voices)
        ),
    )
    typer.echo(f"decided at threshold {result.threshold:g} (calibration {result.calibration})")


@matches.command("reject")
def reject(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The media the match was made in.")],
    performer_id: Annotated[str, typer.Argument(help="The performer wrongly matched.")],
) -> None:
    """Mark a match wrong: this performer is never reported in this media again."""
    added = state_of(ctx).services().gallery.reject_match(file, performer_id)
    typer.echo("recorded" if added else "already recorded")


def reindex(ctx: typer.Context) -> None:
    """Re-embed templates from the vault with the current encoder version."""
    made = state_of(ctx).services().enrolment.reindex()
    typer.echo(f"re-embedded {made} template(s)")
