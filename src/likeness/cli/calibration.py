"""``likeness calibrate FOLDER`` and ``likeness calibration list|show|activate``."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer

from likeness.cli import render
from likeness.cli.calibration_report import report_html, report_json
from likeness.cli.log import save_receipt
from likeness.cli.state import state_of
from likeness.domain.calibration import DEFAULT_TARGET_FMR, Calibration
from likeness.domain.consent import Modality
from likeness.errors import InvalidInputError
from likeness.services.calibration import CalibrationRun

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
AnywayFlag = Annotated[
    bool,
    typer.Option(
        "--anyway",
        help="Put it in force even though its data does not show the target false-match rate.",
    ),
]
app = typer.Typer(help="Match thresholds calibrated per model.", no_args_is_help=True)


def calibrate(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(help="A labelled folder: one subfolder per person, their files.")
    ],
    modality: Annotated[
        Modality | None,
        typer.Option(help="face (images) or voice (audio, video); default: face if any image."),
    ] = None,
    target_fmr: Annotated[
        float,
        typer.Option("--target-fmr", min=0.0, max=1.0, help="The false-match rate to choose for."),
    ] = DEFAULT_TARGET_FMR,
    activate: Annotated[
        bool, typer.Option("--activate", help="Put the new calibration in force.")
    ] = False,
    anyway: AnywayFlag = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Folder for report.json and report.html (default ./calibration-ID)."
        ),
    ] = None,
    receipt: Annotated[
        Path | None, typer.Option("--receipt", help="Write the activation's receipt.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Calibrate the current model's match threshold on a labelled folder you own: genuine
    and impostor distances, false-match and false-non-match rates with 95% bounds, the
    threshold for the target, and a report (JSON, and HTML plotting both distributions)."""
    state = state_of(ctx)
    service = state.services().calibrations
    run = service.calibrate(
        folder, modality=modality, target_fmr=target_fmr, created_by=_operator()
    )
    out = report or Path(f"calibration-{run.calibration.id}")
    data = report_json(run)
    _write_report(out, run, data)
    if activate:
        recorded = service.activate(run.calibration.id, anyway=anyway)
        save_receipt(state, recorded.log_indexes, receipt)
        data["calibration"] = recorded.value.to_json()
    if as_json:
        render.emit_json(data | {"report": str(out)})
        return
    c = run.calibration
    typer.echo(
        f"calibration {c.id} for {c.model_id} ({c.modality.value}): {c.people} people, "
        f"{c.files} files, {c.genuine_pairs} genuine and {c.impostor_pairs} impostor pairs"
    )
    typer.echo(
        f"threshold {c.threshold:g} for a false-match rate of {c.target_fmr:g}: "
        f"FMR {c.fmr.errors}/{c.fmr.trials} (95% upper bound {c.fmr.upper:.4g}), "
        f"FNMR {c.fnmr.errors}/{c.fnmr.trials} (95% upper bound {c.fnmr.upper:.4g})"
    )
    if not c.demonstrated:
        typer.echo(
            f"warning: the data does not show the target: at least {run.pairs_needed} "
            "impostor pairs with no false match are needed",
            err=True,
        )
    typer.echo(f"report: {out / 'report.html'}")
    typer.echo("in force" if activate else f"not in force: likeness calibration activate {c.id}")


def _write_report(out: Path, run: CalibrationRun, data: dict[str, object]) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        (out / "report.html").write_text(report_html(run), encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(
            f"{out}: cannot write the report ({exc.strerror}); calibration "
            f"{run.calibration.id} is stored",
            hint=f"give another folder: likeness calibration show {run.calibration.id} "
            "prints what it found",
        ) from None


def _operator() -> str | None:
    """Who ran the calibration: the operating-system account (kept in the database, never
    in the log)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container)
        return None


@app.command("list")
def list_calibrations(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Every calibration, oldest first; the active one of each model is in force."""
    found = state_of(ctx).services().calibrations.all()
    if as_json:
        render.emit_json([c.to_json() for c in found])
        return
    render.table(
        f"{len(found)} calibration(s)",
        ("id", "modality", "model", "threshold", "target FMR", "shown", "active", "created"),
        (
            (
                c.id,
                c.modality.value,
                c.model_id,
                c.threshold,
                c.target_fmr,
                "yes" if c.demonstrated else "no",
                "yes" if c.active else "",
                c.created_at.isoformat(),
            )
            for c in found
        ),
    )


@app.command("show")
def show(
    ctx: typer.Context,
    calibration_id: Annotated[str, typer.Argument(help="Calibration id.")],
    as_json: JsonFlag = False,
) -> None:
    """One calibration: its model, data digest, counts, threshold and rates."""
    found = state_of(ctx).services().calibrations.get(calibration_id)
    _print(found, as_json)


@app.command("activate")
def activate_command(
    ctx: typer.Context,
    calibration_id: Annotated[str, typer.Argument(help="Calibration id.")],
    anyway: AnywayFlag = False,
    receipt: Annotated[Path | None, typer.Option("--receipt", help="Write the receipt.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Put a calibration in force for its model (a calibration.activated log entry)."""
    state = state_of(ctx)
    recorded = state.services().calibrations.activate(calibration_id, anyway=anyway)
    save_receipt(state, recorded.log_indexes, receipt)
    _print(recorded.value, as_json)


def _print(found: Calibration, as_json: bool) -> None:
    data = found.to_json()
    if as_json:
        render.emit_json(data)
    else:
        render.fields(f"calibration {found.id}", data)
