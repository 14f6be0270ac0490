"""``likeness consent receipt`` and ``likeness consent verify-receipt``: a consent as an
ISO/IEC TS 27560 receipt (DPV JSON-LD) with its log proofs, and its offline check."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from likeness.api.iso27560 import ConsentReceiptError, check_consent_receipt, consent_receipt_jsonld
from likeness.cli import render
from likeness.cli.state import state_of
from likeness.errors import InvalidInputError
from likeness.ledger.note import NoteError, Verifier, parse_verifier


class ReceiptFormat(StrEnum):
    ISO27560 = "iso27560"  # ISO/IEC TS 27560 consent receipt, W3C DPV JSON-LD
    LOG = "log"  # the likeness-receipt/1 of one step's log entry


def receipt(
    ctx: typer.Context,
    consent_id: Annotated[str, typer.Argument(help="Consent id.")],
    format_: Annotated[
        ReceiptFormat,
        typer.Option(
            "--format",
            help="iso27560: the consent and every step up to EVENT, each with its log proof; "
            "log: the log receipt of that one step.",
        ),
    ] = ReceiptFormat.ISO27560,
    event: Annotated[
        int | None,
        typer.Option(
            "--event",
            help="Log index of the step to prove up to ('consent show' lists them); "
            "default: the latest.",
            min=0,
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
) -> None:
    """A consent receipt for outsiders: the performer only as their log commitment."""
    services = state_of(ctx).services()
    proof = services.consent_receipts.prove(consent_id, event)
    if format_ is ReceiptFormat.LOG:
        text = proof.steps[-1].receipt.dumps()
    else:
        text = json.dumps(consent_receipt_jsonld(proof), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"{output}: cannot write ({exc.strerror})") from None


def verify_receipt(
    receipt_file: Annotated[Path, typer.Argument(help="ISO/IEC TS 27560 receipt (JSON-LD).")],
    key: Annotated[str, typer.Option("--key", help="Verifier key, or a file holding it.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for programs.")] = False,
) -> None:
    """Check a consent receipt offline: no database, no data home, only the log's key."""
    verifier = _verifier(key)
    try:
        checked = check_consent_receipt(receipt_file.read_bytes(), verifier)
    except OSError as exc:
        raise InvalidInputError(f"{receipt_file}: cannot read ({exc.strerror})") from None
    except ConsentReceiptError as exc:
        raise InvalidInputError(f"{receipt_file}: {exc}") from None
    if as_json:
        render.emit_json(
            {
                "verified": True,
                "consent_id": checked.consent_id,
                "data_subject": checked.data_subject,
                "origin": checked.origin,
                "tree_size": checked.tree_size,
                "steps": [
                    {"index": s.index, "type": s.type.value, "at": s.at} for s in checked.steps
                ],
            }
        )
        return
    steps = ", ".join(f"{s.type.value} (entry {s.index})" for s in checked.steps)
    typer.echo(
        f"verified: consent {checked.consent_id} in {checked.origin} at tree size "
        f"{checked.tree_size}: {steps}; data subject {checked.data_subject} is the "
        "performer commitment of its request"
    )


def _verifier(key: str) -> Verifier:
    try:
        text = Path(key).read_text(encoding="utf-8") if Path(key).is_file() else key
        return parse_verifier(text)
    except (NoteError, OSError) as exc:
        raise InvalidInputError(f"verifier key rejected: {exc}") from None
