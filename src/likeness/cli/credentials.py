"""``likeness credential``: sign a cleared deliverable, verify a signed file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from likeness.bootstrap import build_egress
from likeness.cli import render
from likeness.cli.state import state_of
from likeness.domain.consent import ReplicaKind
from likeness.domain.scan import ScanOptions
from likeness.errors import InvalidInputError
from likeness.ledger.checkpoint import open_checkpoint
from likeness.ledger.note import NoteError, parse_verifier
from likeness.services.credentials import IssuedCredential, verify
from likeness.services.inputs import parse_date
from likeness.services.log_follow import Followed, withdrawals_since

app = typer.Typer(
    help="Clearance credentials (C2PA): sign cleared media, verify a signed file.",
    no_args_is_help=True,
)

# A valid credential one of whose consents was revoked or suspended after signing
# (README.md, "Exit status").
WITHDRAWN_EXIT = 16

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


@app.command("sign")
def sign(
    ctx: typer.Context,
    media: Annotated[
        Path, typer.Argument(help="The deliverable: JPEG, PNG, WebP, MP4, MOV or WAV.")
    ],
    production: Annotated[str, typer.Option(help="The production releasing it.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the signed copy.")],
    kind: Annotated[
        ReplicaKind, typer.Option(help="How the media uses likenesses.")
    ] = ReplicaKind.EMPLOYMENT_BASED,
    purpose: Annotated[
        str,
        typer.Option(help="The use's purpose; empty: any consented purpose of this production."),
    ] = "",
    on: Annotated[str | None, typer.Option("--date", help="Date of use (default today).")] = None,
    fps: Annotated[float, typer.Option(help="Frames sampled per second of video.")] = 2.0,
    receipt: Annotated[
        Path | None, typer.Option("--receipt", help="Also write the credential.issued receipt.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Scan MEDIA (reusing its cached detections), and only when no appearance is
    not_covered write a copy carrying a signed clearance credential; else exit non-zero
    and write nothing."""
    options = ScanOptions(
        production_id=production,
        fps=fps,
        use_date=None if on is None else parse_date(on, "--date"),
        replica_kind=kind,
        purpose=purpose,
    )
    issued = state_of(ctx).services().credentials.sign(media, out, options)
    if receipt is not None:
        receipt.write_text(issued.issued_receipt.dumps(), encoding="utf-8")
    if as_json:
        render.emit_json(_issued_json(issued))
        return
    typer.echo(
        f"signed: {issued.path} ({len(issued.appearances)} appearance(s) cleared; "
        f"scan.cleared at log index {issued.scan_receipt.index}, credential.issued at "
        f"{issued.issued_receipt.index})"
    )
    typer.echo(issued.issued_receipt.dumps(), nl=False)


def _issued_json(issued: IssuedCredential) -> dict[str, Any]:
    return {
        "path": str(issued.path),
        "media_sha256": issued.media_sha256,
        "signed_sha256": issued.signed_sha256,
        "appearances": len(issued.appearances),
        "scan_log_index": issued.scan_receipt.index,
        "issued_receipt": issued.issued_receipt.to_json(),
    }


@app.command("verify")
def verify_(
    ctx: typer.Context,
    media: Annotated[Path, typer.Argument(help="A file carrying a clearance credential.")],
    key: Annotated[
        str, typer.Option("--key", help="The log's verifier key, or a file holding it.")
    ],
    log_url: Annotated[
        str | None,
        typer.Option(
            "--log", help="The log's URL (…/log): also report consents withdrawn since signing."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check the manifest, its binding to the bytes, the signer and every receipt, offline
    with only the log's verifier key; exit non-zero when anything fails."""
    key_text = Path(key).read_text(encoding="utf-8") if Path(key).is_file() else key
    verdict = verify(media, key_text)
    followed = None
    if log_url is not None and verdict.checkpoint is not None and verdict.scan_index is not None:
        try:
            verifier = parse_verifier(key_text)
            kept = open_checkpoint(verdict.checkpoint, verifier)
        except NoteError as exc:
            raise InvalidInputError(f"verifier key rejected: {exc}") from None
        consents = {a.consent_id for a in verdict.appearances if a.consent_id is not None}
        egress = build_egress(state_of(ctx).settings())
        followed = withdrawals_since(
            egress, log_url, verifier, consents, since=kept, first=verdict.scan_index + 1
        )
    result = {
        "path": verdict.path,
        "valid": verdict.valid,
        "manifest": verdict.manifest,
        "production_id": verdict.production_id,
        "scan_log_index": verdict.scan_index,
        "checks": [{"subject": c.subject, "ok": c.ok, "detail": c.detail} for c in verdict.checks],
        "appearances": [
            {
                "performer": a.performer,
                "modality": a.modality,
                "start": a.start,
                "end": a.end,
                "decision": a.decision,
                "consent_id": a.consent_id,
            }
            for a in verdict.appearances
        ],
        "withdrawn_since_signing": None if followed is None else _withdrawn(followed),
    }
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        for check in verdict.checks:
            typer.echo(f"{'ok' if check.ok else 'FAIL'}: {check.subject}: {check.detail}")
        if followed is not None:
            for w in followed.withdrawals:
                typer.echo(
                    f"WITHDRAWN: consent {w.consent_id} ({w.type} at log index {w.index}, {w.at})"
                )
            if not followed.withdrawals:
                typer.echo(f"ok: no consent relied on withdrawn up to tree size {followed.size}")
        typer.echo("valid" if verdict.valid else "INVALID")
    if not verdict.valid:
        raise typer.Exit(1)
    if followed is not None and followed.withdrawals:
        raise typer.Exit(WITHDRAWN_EXIT)


def _withdrawn(followed: Followed) -> list[dict[str, Any]]:
    return [
        {"consent_id": w.consent_id, "type": w.type, "log_index": w.index, "at": w.at}
        for w in followed.withdrawals
    ]
