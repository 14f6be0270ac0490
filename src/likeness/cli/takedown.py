"""``likeness takedown``: draft a notice from a flag, record what happened to it, list
them. Other enforcement commands (stay-down fingerprints) join this group: ``app``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from likeness.api.notice_page import notice_html
from likeness.api.present import notice_json, notice_receipt_files, takedown_json
from likeness.cli import render
from likeness.cli.state import state_of
from likeness.domain.takedown import TakedownStatus
from likeness.errors import InvalidInputError
from likeness.services.inputs import parse_date
from likeness.services.takedowns import NoticeBundle

app = typer.Typer(
    help="Takedown notices: drafted from a flag with their evidence; each step you take "
    "is recorded in the log (nothing is sent by the system).",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
OutDir = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Folder to write notice.json, notice.html and each receipt (receipt-*.json) into.",
    ),
]


@app.command("notice")
def notice(
    ctx: typer.Context,
    flag_id: Annotated[int, typer.Argument(help="The flag_id of a not_covered appearance.")],
    location: Annotated[
        str, typer.Option("--location", help="Where the material is: its URL, or a file.")
    ],
    out: OutDir = None,
    contact: Annotated[
        str | None,
        typer.Option(help="Contact for replies (default: a representative's contact)."),
    ] = None,
    signer: Annotated[str | None, typer.Option(help="Who signs the notice.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Draft a takedown notice for a flagged appearance; it is logged and its receipt
    printed. Send it yourself, then record each step with 'takedown step'."""
    bundle = (
        state_of(ctx)
        .services()
        .takedowns.draft(None, flag_id, location, contact=contact, signer=signer)
    )
    _written(bundle, out, as_json)


@app.command("show")
def show(
    ctx: typer.Context,
    takedown_id: Annotated[str, typer.Argument(help="Takedown id.")],
    out: OutDir = None,
    as_json: JsonFlag = False,
) -> None:
    """A notice again, with receipts against the log's latest checkpoint."""
    _written(state_of(ctx).services().takedowns.bundle(None, takedown_id), out, as_json)


@app.command("step")
def step(
    ctx: typer.Context,
    takedown_id: Annotated[str, typer.Argument(help="Takedown id.")],
    status: Annotated[
        TakedownStatus,
        typer.Argument(help="sent, acknowledged, removed, refused or reinstated."),
    ],
    on: Annotated[
        str | None, typer.Option("--date", help="When it happened, YYYY-MM-DD (default: now).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="What happened, in your words.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a step of a notice: a step out of order is refused with the allowed ones."""
    day = None if on is None else parse_date(on, "--date")
    takedown = (
        state_of(ctx).services().takedowns.record_step(None, takedown_id, status, on=day, note=note)
    )
    if as_json:
        render.emit_json(takedown_json(takedown))
        return
    last = takedown.steps[-1]
    typer.echo(
        f"takedown {takedown.id}: {last.status.value} on {last.at.date()}; "
        f"log entry {last.log_index}"
    )
    if takedown.next_steps:
        typer.echo("next: " + ", ".join(s.value for s in takedown.next_steps))


@app.command("list")
def list_takedowns(
    ctx: typer.Context,
    performer: Annotated[str | None, typer.Option(help="Only this performer's.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every notice, newest first, with its state and the date of each step."""
    found = state_of(ctx).services().takedowns.listed(None, performer)
    if as_json:
        render.emit_json([takedown_json(t) for t in found])
        return
    render.table(
        "Takedown notices",
        ["id", "flag", "performer", "status", "steps", "location"],
        [
            (
                t.id,
                t.flag_id,
                t.performer_id,
                t.status.value,
                ", ".join(f"{s.status.value} {s.at.date()}" for s in t.steps),
                t.location,
            )
            for t in found
        ],
    )


def _written(bundle: NoticeBundle, out: Path | None, as_json: bool) -> None:
    data = notice_json(bundle)
    if out is not None:
        _write_folder(out, bundle)
    if as_json:
        render.emit_json(data)
        return
    takedown = bundle.takedown
    typer.echo(
        f"takedown {takedown.id}: {takedown.status.value} for flag {takedown.flag_id}; "
        f"notice logged as entry {bundle.notice_receipt.index} "
        f"(notice SHA-256 {bundle.notice_sha256})"
    )
    if out is not None:
        typer.echo(
            f"wrote notice.json, notice.html and {len(bundle.flag_receipts) + 1} "
            f"receipt(s) to {out}"
        )
    typer.echo("receipt of the notice:")
    typer.echo(bundle.notice_receipt.dumps(), nl=False)


def _write_folder(out: Path, bundle: NoticeBundle) -> None:
    """The notice and its receipts, readable by the owner only: it names a person and
    shows their face."""
    files = {
        "notice.json": json.dumps(notice_json(bundle), indent=2, ensure_ascii=False) + "\n",
        "notice.html": notice_html(bundle),
        **notice_receipt_files(bundle),
    }
    try:
        out.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name, text in files.items():
            path = out / name
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
    except OSError as exc:
        raise InvalidInputError(f"{out}: cannot write the notice ({exc.strerror})") from None


@app.command("fingerprints")
def fingerprints(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The block-list file to write.")],
) -> None:
    """Write the stay-down block list: a perceptual fingerprint of every flagged segment
    (JSON lines: flag id, kind, times, hashes), to share with platforms. It holds no
    biometric template, no name and no production."""
    text = state_of(ctx).services().fingerprints.block_list()
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"{out}: cannot write ({exc.strerror})") from None
    typer.echo(f"{len(text.splitlines())} fingerprint(s) written to {out}")


@app.command("match")
def match(
    ctx: typer.Context,
    media: Annotated[Path, typer.Argument(help="A video, image or audio file.")],
    as_json: JsonFlag = False,
) -> None:
    """Whether MEDIA holds a flagged segment (also re-encoded, scaled, cropped a few
    percent or trimmed): exit 0 with the matching flags and their notices, 1 when not."""
    services = state_of(ctx).services()
    if not media.is_file():
        raise InvalidInputError(f"{media}: no such file")
    found = services.fingerprints.match(media)
    notices = {t.flag_id: t.id for t in services.takedowns.listed(None)}
    rows = [
        {
            "flag_id": m.flag_id,
            "kind": m.kind,
            "offset": round(m.offset, 2),
            "score": round(m.score, 3),
            "flagged_sha256": m.flagged_sha256,
            "notice": notices.get(m.flag_id),
        }
        for m in found
    ]
    if as_json:
        render.emit_json({"matched": bool(rows), "matches": rows})
    elif rows:
        for row in rows:
            notice = f", notice {row['notice']}" if row["notice"] else ""
            typer.echo(
                f"matches flag {row['flag_id']} ({row['kind']}) at {row['offset']} s, "
                f"score {row['score']}{notice}"
            )
    else:
        typer.echo("no flagged segment in this file")
    if not rows:
        raise typer.Exit(1)
