"""``likeness consent``: request, answer, revoke, suspend and read consents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from likeness.cli import consent_receipts, render
from likeness.cli.log import save_receipt
from likeness.cli.state import CliState, state_of
from likeness.domain.consent import (
    CompensationBasis,
    CompensationTerms,
    Grantor,
    Modality,
    ReplicaKind,
    Representation,
    UseDescription,
)
from likeness.domain.lifecycle import ConsentRecord, ConsentRequest
from likeness.errors import InvalidInputError
from likeness.services.events import Recorded
from likeness.services.inputs import parse_date

app = typer.Typer(
    help="Consents: request, grant, deny, revoke, read, and receipts for outsiders.",
    no_args_is_help=True,
)
app.command("receipt")(consent_receipts.receipt)
app.command("verify-receipt")(consent_receipts.verify_receipt)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
ReceiptOption = Annotated[
    Path | None, typer.Option("--receipt", help="Write the log receipt for this step to a file.")
]
ByOption = Annotated[
    Grantor,
    typer.Option(
        "--by", help="Who acts: the performer, a representative, the estate or the union."
    ),
]
SignerOption = Annotated[
    str | None,
    typer.Option("--signer", help="Name of the representative or estate acting (as recorded)."),
]


def money(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise InvalidInputError(f"amount {text!r} is not a decimal number") from None


@app.command("request")
def request(
    ctx: typer.Context,
    performer: Annotated[str, typer.Option(help="Performer id.")],
    production: Annotated[str, typer.Option(help="Production id asking for consent.")],
    kind: Annotated[ReplicaKind, typer.Option(help="Replica kind.")],
    modality: Annotated[list[Modality], typer.Option(help="face, body, voice; repeatable.")],
    project: Annotated[str, typer.Option(help="The project the replica is for.")],
    purpose: Annotated[
        list[str], typer.Option(help="What the replica will do; repeatable (one per purpose).")
    ],
    territory: Annotated[str, typer.Option(help="Where it will be shown.")],
    valid_from: Annotated[str, typer.Option("--from", help="Start of the term, YYYY-MM-DD.")],
    medium: Annotated[list[str], typer.Option(help="Media; repeatable.")],
    scene: Annotated[
        list[str] | None, typer.Option(help="Scene or script page; repeatable.")
    ] = None,
    character: Annotated[str | None, typer.Option(help="Character or role.")] = None,
    until: Annotated[str | None, typer.Option(help="End of the term, YYYY-MM-DD.")] = None,
    pay_basis: Annotated[
        CompensationBasis | None, typer.Option(help="flat, per_day, scale.")
    ] = None,
    pay_amount: Annotated[str | None, typer.Option(help="Amount for flat or per_day pay.")] = None,
    currency: Annotated[str, typer.Option(help="ISO 4217 currency.")] = "USD",
    representation: Annotated[
        Representation | None,
        typer.Option(help="The performer's counsel or union in this negotiation."),
    ] = None,
    real_time_generation: Annotated[
        bool,
        typer.Option("--real-time-generation", help="The replica may drive real-time generation."),
    ] = False,
    created_for: Annotated[
        str | None,
        typer.Option(help="Production the replica was made for, when another now wants it."),
    ] = None,
    dubbing: Annotated[
        bool, typer.Option("--dubbing", help="Covers dubbing the voice into other languages.")
    ] = False,
    nudity: Annotated[
        bool, typer.Option("--nudity", help="Explicitly covers nudity or sexual content.")
    ] = False,
    receipt: ReceiptOption = None,
    as_json: JsonFlag = False,
) -> None:
    """A production asks a performer for consent, describing the use specifically."""
    terms = ConsentRequest(
        replica_kind=kind,
        modalities=frozenset(modality),
        description=UseDescription(
            project=project,
            purposes=tuple(purpose),
            character=character,
            scenes=tuple(scene or ()),
            media=tuple(medium),
            territory=territory,
        ),
        valid_from=parse_date(valid_from, "--from"),
        valid_until=None if until is None else parse_date(until, "--until"),
        compensation=None
        if pay_basis is None
        else CompensationTerms(basis=pay_basis, amount=money(pay_amount), currency=currency),
        representation=representation,
        real_time_generation=real_time_generation,
        created_for_production_id=created_for,
        dubbing=dubbing,
        nudity=nudity,
    )
    state = state_of(ctx)
    _done(state, state.services().consents.request(performer, production, terms), receipt, as_json)


@app.command("grant")
def grant(
    ctx: typer.Context,
    consent_id: Annotated[str, typer.Argument(help="Consent id.")],
    by: ByOption,
    signer: SignerOption = None,
    signed_separately: Annotated[
        bool, typer.Option(help="Given in a separate writing, or a separately signed clause.")
    ] = True,
    clear_and_conspicuous: Annotated[
        bool, typer.Option(help="Presented clearly and conspicuously (attestation).")
    ] = True,
    receipt: ReceiptOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Grant a requested consent."""
    state = state_of(ctx)
    recorded = state.services().consents.grant(
        consent_id,
        by=by,
        signer=signer,
        signed_separately=signed_separately,
        clear_and_conspicuous=clear_and_conspicuous,
    )
    _done(state, recorded, receipt, as_json)


@app.command("deny")
def deny(
    ctx: typer.Context,
    consent_id: Annotated[str, typer.Argument(help="Consent id.")],
    by: ByOption,
    signer: SignerOption = None,
    reason: Annotated[str, typer.Option(help="Why (optional).")] = "",
    receipt: ReceiptOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Deny a requested consent."""
    state = state_of(ctx)
    _done(
        state,
        state.services().consents.deny(consent_id, by=by, signer=signer, reason=reason),
        receipt,
        as_json,
    )


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    consent_id: Annotated[str, typer.Argument(help="Consent id.")],
    by: ByOption,
    signer: SignerOption = None,
    reason: Annotated[str, typer.Option(help="Why (optional).")] = "",
    receipt: ReceiptOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Revoke a granted consent: no use from today on is covered by it."""
    state = state_of(ctx)
    _done(
        state,
        state.services().consents.revoke(consent_id, by=by, signer=signer, reason=reason),
        receipt,
        as_json,
    )


@app.command("suspend")
def suspend(
    ctx: typer.Context,
    consent_id: Annotated[str, typer.Argument(help="Consent id.")],
    reason: Annotated[str, typer.Option(help="e.g. 'SAG-AFTRA strike'.")],
    receipt: ReceiptOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Suspend a granted consent (a strike), until it is resumed."""
    state = state_of(ctx)
    _done(state, state.services().consents.suspend(consent_id, reason=reason), receipt, as_json)


@app.command("resume")
def resume(
    ctx: typer.Context,
    consent_id: Annotated[str, typer.Argument(help="Consent id.")],
    receipt: ReceiptOption = None,
    as_json: JsonFlag = False,
) -> None:
    """End a suspension."""
    state = state_of(ctx)
    _done(state, state.services().consents.resume(consent_id), receipt, as_json)


@app.command("show")
def show(
    ctx: typer.Context,
    consent_id: Annotated[str, typer.Argument(help="Consent id.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one consent, its state today and the log entries recording it."""
    state = state_of(ctx)
    service = state.services().consents
    _print(
        render.consent_json(service.get(consent_id), date.today(), service.log_indexes(consent_id)),
        as_json,
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    performer: Annotated[str | None, typer.Option(help="Only this performer's.")] = None,
    production: Annotated[str | None, typer.Option(help="Only this production's.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List consents."""
    records = (
        state_of(ctx).services().consents.find(performer_id=performer, production_id=production)
    )
    today = date.today()
    if as_json:
        render.emit_json([render.consent_json(r, today, []) for r in records])
        return
    render.table(
        f"{len(records)} consent(s)",
        ("id", "performer", "production", "kind", "state", "from", "until"),
        (
            (
                r.id,
                r.performer_id,
                r.production_id,
                r.request.replica_kind.value,
                r.state_on(today),
                r.request.valid_from,
                r.request.valid_until,
            )
            for r in records
        ),
    )


def _done(
    state: CliState, recorded: Recorded[ConsentRecord], receipt: Path | None, as_json: bool
) -> None:
    save_receipt(state, recorded.log_indexes, receipt)
    service = state.services().consents
    data = render.consent_json(recorded.value, date.today(), service.log_indexes(recorded.value.id))
    _print(data, as_json)


def _print(data: dict[str, object], as_json: bool) -> None:
    if as_json:
        render.emit_json(data)
    else:
        render.fields(f"consent {data['id']}", data)
