"""``likeness log``: the verifier key, checkpoints, receipts, offline verification, audit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from likeness.cli import log_witnesses, render
from likeness.cli.state import CliState, state_of
from likeness.errors import InvalidInputError
from likeness.ledger.cosignature import (
    CosignatureVerifier,
    check_cosignatures,
    parse_cosignature_verifier,
)
from likeness.ledger.entry import decode_entry
from likeness.ledger.note import NoteError, parse_verifier
from likeness.ledger.receipt import ReceiptError, parse_receipt, verify_receipt

app = typer.Typer(
    help="The transparency log: keys, checkpoints, receipts, audits.", no_args_is_help=True
)

app.add_typer(log_witnesses.app, name="witness")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
OutOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")]


def save_receipt(state: CliState, indexes: Sequence[int], path: Path | None) -> None:
    """Write the receipt of the last of ``indexes`` to ``path``, when one was asked for."""
    if path is None or not indexes:
        return
    receipt = state.services().ledger.receipt(indexes[-1])
    _write(path, receipt.dumps())


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot write ({exc.strerror})") from None


def _print_or_write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        _write(output, text)


@app.command("key")
def key(ctx: typer.Context) -> None:
    """Print the log's verifier key (C2SP note form: name+hash+base64)."""
    typer.echo(state_of(ctx).services().ledger.verifier_key)


@app.command("checkpoint")
def checkpoint(ctx: typer.Context, output: OutOption = None) -> None:
    """Print (or save) the latest signed checkpoint, with its witnesses' cosignatures; keep
    one to audit against later."""
    _print_or_write(state_of(ctx).services().ledger.cosigned_checkpoint(), output)


@app.command("receipt")
def receipt(
    ctx: typer.Context,
    index: Annotated[int, typer.Argument(help="Log index of the entry.")],
    output: OutOption = None,
) -> None:
    """A receipt for an entry: its bytes, inclusion proof and the latest signed checkpoint."""
    _print_or_write(state_of(ctx).services().ledger.receipt(index).dumps(), output)


@app.command("verify-receipt")
def verify(
    receipt_file: Annotated[Path, typer.Argument(help="Receipt JSON file.")],
    key: Annotated[str, typer.Option("--key", help="Verifier key, or a file holding it.")],
    witness: Annotated[
        list[str] | None,
        typer.Option(
            "--witness",
            help="A witness's cosignature/v1 verifier key (or a file holding it); repeat "
            "for each witness trusted.",
        ),
    ] = None,
    min_witnesses: Annotated[
        int | None,
        typer.Option(
            "--min-witnesses",
            min=0,
            help="How many of the --witness keys must have cosigned the receipt's "
            "checkpoint (default: all of them).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify a receipt offline: no database, no data home, only the verifier key (and
    the keys of the witnesses whose cosignatures it must carry)."""
    try:
        verifier = parse_verifier(_key_text(key))
    except NoteError as exc:
        raise InvalidInputError(f"verifier key rejected: {exc}") from None
    witnesses = _witness_keys(witness or [])
    minimum = len(witnesses) if min_witnesses is None else min_witnesses
    if minimum > len(witnesses):
        raise InvalidInputError(
            f"--min-witnesses {minimum} needs at least {minimum} --witness keys; "
            f"{len(witnesses)} given"
        )
    try:
        parsed = parse_receipt(receipt_file.read_bytes())
        checkpoint = verify_receipt(parsed, verifier)
        entry = decode_entry(parsed.entry)
    except OSError as exc:
        raise InvalidInputError(f"{receipt_file}: cannot read ({exc.strerror})") from None
    except (ReceiptError, ValueError) as exc:
        raise InvalidInputError(f"{receipt_file}: {exc}") from None
    cosigned = check_cosignatures(parsed.checkpoint, witnesses)
    problem = cosigned.problem(minimum)
    if problem is not None:
        raise InvalidInputError(
            f"{receipt_file}: the checkpoint is not witnessed enough: {problem}",
            hint="fetch a newer receipt ('likeness log receipt INDEX') once the witnesses "
            "have cosigned, or check the witness keys",
        )
    result = {
        "verified": True,
        "index": parsed.index,
        "tree_size": checkpoint.size,
        "origin": checkpoint.origin,
        "entry": entry,
        "witnesses": [{"name": c.name, "timestamp": c.timestamp} for c in cosigned.valid],
    }
    if as_json:
        render.emit_json(result)
    else:
        typer.echo(
            f"verified: entry {parsed.index} ({entry.get('type')}) is in {checkpoint.origin} "
            f"at tree size {checkpoint.size}"
        )
        for cosignature in cosigned.valid:
            typer.echo(f"cosigned by witness {cosignature.name} at {cosignature.timestamp}")


def _key_text(key: str) -> str:
    path = Path(key)
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else key
    except OSError as exc:
        raise InvalidInputError(f"{key}: cannot read ({exc.strerror})") from None


def _witness_keys(keys: list[str]) -> list[CosignatureVerifier]:
    verifiers = []
    for key in keys:
        try:
            verifiers.append(parse_cosignature_verifier(_key_text(key)))
        except NoteError as exc:
            raise InvalidInputError(f"witness key {key[:60]!r} rejected: {exc}") from None
    return verifiers


@app.command("audit")
def audit(
    ctx: typer.Context,
    since: Annotated[
        Path | None,
        typer.Option("--since", help="A saved checkpoint the log must still be consistent with."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Re-derive the tree from the stored entries and check it against the signed checkpoint."""
    report = state_of(ctx).services().ledger.audit(since)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
        return
    typer.echo(f"ok: {report.size} entries re-derived; root matches the signed checkpoint")
    if report.since_size is not None:
        typer.echo(f"ok: consistent with the saved checkpoint of size {report.since_size}")
