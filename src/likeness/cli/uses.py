"""``likeness use report`` and ``likeness statement``."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from likeness.api.present import reported_use_json, statement_json
from likeness.cli import render
from likeness.cli.consents import money
from likeness.cli.log import save_receipt
from likeness.cli.state import state_of
from likeness.domain.consent import Alteration, Modality, PerformerCategory, ReplicaKind, UseFacts
from likeness.domain.money import zero
from likeness.domain.regions import region_problem
from likeness.domain.use import UseReport
from likeness.errors import InvalidInputError
from likeness.services.inputs import parse_date
from likeness.services.uses import Statement

app = typer.Typer(help="Report uses of replicas; each is decided and logged.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


@app.command("report")
def report(
    ctx: typer.Context,
    performer: Annotated[str, typer.Option(help="Performer id.")],
    production: Annotated[str, typer.Option(help="Production id.")],
    kind: Annotated[ReplicaKind, typer.Option(help="Replica kind used.")],
    modality: Annotated[list[Modality], typer.Option(help="face, body, voice; repeatable.")],
    on: Annotated[str, typer.Option("--date", help="Date of the use, YYYY-MM-DD.")],
    purpose: Annotated[
        str,
        typer.Option(
            help="The consented purpose the use relies on (one the consent lists; needed "
            "when the consent lists no scenes)."
        ),
    ] = "",
    note: Annotated[str, typer.Option(help="What the replica did, in your words.")] = "",
    character: Annotated[str | None, typer.Option(help="The character portrayed.")] = None,
    medium: Annotated[list[str] | None, typer.Option(help="Medium; repeatable.")] = None,
    region: Annotated[
        list[str] | None, typer.Option(help="Distribution region (ISO 3166); repeatable.")
    ] = None,
    scene: Annotated[list[str] | None, typer.Option(help="Scene; repeatable.")] = None,
    days: Annotated[str, typer.Option(help="Days the performer would have worked.")] = "1",
    category: Annotated[
        PerformerCategory, typer.Option(help="The performer's engagement.")
    ] = PerformerCategory.PRINCIPAL,
    pro_rata: Annotated[str | None, typer.Option(help="Pro-rata daily rate.")] = None,
    consent: Annotated[str | None, typer.Option(help="The consent relied on.")] = None,
    as_principal: Annotated[bool, typer.Option("--as-principal")] = False,
    as_scripted: Annotated[
        bool,
        typer.Option("--as-scripted", help="Substantially as scripted, performed or recorded."),
    ] = False,
    alteration: Annotated[Alteration | None, typer.Option(help="Purpose of an alteration.")] = None,
    creation: Annotated[bool, typer.Option("--creation", help="A scan, not a use.")] = False,
    headcount_met: Annotated[
        bool | None,
        typer.Option(
            "--headcount-met/--headcount-not-met", help="Background headcount attestation."
        ),
    ] = None,
    receipt: Annotated[Path | None, typer.Option("--receipt", help="Write the receipt.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Report a use: the rulebooks decide it, the log records it, the statement shows it."""
    use = UseFacts(
        production_id=production,
        replica_kind=kind,
        modalities=frozenset(modality),
        purpose=purpose,
        note=note,
        character=character,
        media=tuple(medium or ()),
        distribution=tuple(_regions(region or ())),
        date=parse_date(on, "--date"),
        scenes=tuple(scene or ()),
        days_equivalent=money(days) or Decimal(0),
        as_principal=as_principal,
        substantially_as_scripted=as_scripted,
        alteration=alteration,
        creation=creation,
        background_headcount_met=headcount_met,
    )
    state = state_of(ctx)
    recorded = state.services().uses.report(
        UseReport(
            performer_id=performer,
            use=use,
            category=category,
            pro_rata_daily_rate=money(pro_rata),
            consent_id=consent,
        )
    )
    save_receipt(state, recorded.log_indexes, receipt)
    stored = recorded.value
    if as_json:
        render.emit_json(reported_use_json(stored))
        return
    decision = stored.decision
    typer.echo(
        f"use {stored.id}: {decision.outcome.value}"
        + (f" under consent {decision.consent_id}" if decision.consent_id else "")
        + f"; owed {decision.total.amount} {decision.total.currency}"
        + f"; log entry {stored.log_index}"
    )
    for reason in decision.reasons:
        typer.echo(f"  {reason.rule}: {reason.message}")
    for warning in decision.warnings:
        typer.echo(f"  warning: {warning.rule}: {warning.message}")


def statement(
    ctx: typer.Context,
    performer: Annotated[str, typer.Argument(help="Performer id.")],
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, a row per line.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """A performer's statement for a period: every use, its decision, what it pays and the
    log entry recording it."""
    result = (
        state_of(ctx)
        .services()
        .uses.statement(performer, parse_date(start, "--from"), parse_date(end, "--to"))
    )
    if as_csv:
        typer.echo(statement_csv(result), nl=False)
    elif as_json:
        render.emit_json(statement_json(result))
    else:
        render.table(
            f"statement for {performer}, {start} to {end}",
            ("date", "use", "production", "decision", "amount", "log index"),
            [
                (
                    u.use_date,
                    u.id,
                    u.production_id,
                    u.decision.outcome.value,
                    f"{u.decision.total.amount} {u.decision.total.currency}",
                    u.log_index,
                )
                for u in result.uses
            ]
            + [("", "", "", "total", f"{t.amount:.2f} {t.currency}", "") for t in result.totals],
        )


CSV_COLUMNS = (
    "use_id",
    "date",
    "production_id",
    "decision",
    "consent_id",
    "rule",
    "basis",
    "amount",
    "currency",
    "log_index",
)


def statement_csv(result: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for u in result.uses:
        d = u.decision
        lines = [(c.rule, c.basis, c.amount) for c in d.compensation] or [
            ("", "", zero(d.total.currency))
        ]
        for rule, basis, amount in lines:
            writer.writerow(
                (
                    u.id,
                    u.use_date.isoformat(),
                    u.production_id,
                    d.outcome.value,
                    d.consent_id or "",
                    rule,
                    basis,
                    str(amount.amount),
                    amount.currency,
                    u.log_index,
                )
            )
    for total in result.totals:
        writer.writerow(
            ("TOTAL", "", "", "", "", "", "", f"{total.amount:.2f}", total.currency, "")
        )
    return out.getvalue()


def _regions(regions: Sequence[str]) -> list[str]:
    for code in regions:
        problem = region_problem(code)
        if problem:
            raise InvalidInputError(f"--region: {problem}")
    return list(regions)
