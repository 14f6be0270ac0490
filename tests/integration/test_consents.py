"""The consent lifecycle, use reports and statements over a real data home."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from likeness.bootstrap import Services, build_services, initialise
from likeness.cli.app import EXIT_CODES, app
from likeness.cli.uses import statement_csv, statement_json
from likeness.domain.consent import (
    Grantor,
    Modality,
    ReplicaKind,
    UseDescription,
    UseFacts,
)
from likeness.domain.lifecycle import ConsentRecord, ConsentRequest, EventType, Status
from likeness.domain.money import Money
from likeness.domain.performer import Representative, RepresentativeCapacity
from likeness.domain.production import Agreement, ProductionKind
from likeness.domain.use import UseReport
from likeness.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from likeness.ledger.entry import commitment, decode_entry
from likeness.ledger.note import parse_verifier
from likeness.ledger.receipt import verify_receipt
from likeness.services.events import Recorded
from likeness.services.inputs import PerformerInput, ProductionInput
from likeness.settings import Settings, load_settings
from likeness.store.consent_store import ConsentEventRepository
from likeness.store.log_store import SaltRepository
from likeness.store.record_keys import personal
from likeness.store.repositories import PerformerRepository, ProductionRepository
from likeness.testing import FixedClock

runner = CliRunner()
START = datetime(2025, 8, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(services: Services, clock: FixedClock) -> tuple[Services, str, str]:
    clock._now = START  # the fixed clock stands at the day consent is sought
    performer = services.registry.add_performer(
        PerformerInput(
            legal_name="Ada Lovelace",
            date_of_birth=date(1990, 6, 15),
            representatives=(Representative("Jane Roe", RepresentativeCapacity.AGENT),),
        )
    ).value
    production = services.registry.add_production(
        ProductionInput(
            title="Night Shift",
            company="Acme",
            kind=ProductionKind.THEATRICAL,
            agreement=Agreement.SAG_AFTRA_TV_THEATRICAL,
            start_date=date(2025, 1, 1),
        )
    ).value
    return services, performer.id, production.id


def request(**changes: object) -> ConsentRequest:
    base: dict[str, object] = {
        "replica_kind": ReplicaKind.EMPLOYMENT_BASED,
        "modalities": frozenset({Modality.FACE, Modality.BODY}),
        "description": UseDescription(
            project="Night Shift",
            purposes=("complete reshoot scenes",),
            character="Dr. Vale",
            scenes=("42", "43"),
            media=("theatrical release",),
            territory="worldwide",
        ),
        "valid_from": date(2025, 8, 10),
        "valid_until": date(2026, 6, 30),
    }
    return ConsentRequest(**{**base, **changes})  # type: ignore[arg-type]


def use_on(production_id: str, day: date, days: str = "2") -> UseFacts:
    return UseFacts(
        production_id=production_id,
        replica_kind=ReplicaKind.EMPLOYMENT_BASED,
        modalities=frozenset({Modality.FACE}),
        purpose="complete reshoot scenes",
        date=day,
        scenes=("42",),
        days_equivalent=Decimal(days),
    )


@pytest.fixture
def replica(tmp_path: Path, another_database: Callable[[], str | None]) -> Iterator[Services]:
    """A second, empty data home: stored events are replayed into it."""
    settings = load_settings(home=tmp_path / "replica", database_url=another_database())
    initialise(settings, clock=FixedClock(START))
    built = build_services(settings, clock=FixedClock(START))
    yield built
    built.close()


def assert_replay_rebuilds_each_step(
    services: Services, replica: Services, steps: list[Recorded[ConsentRecord]]
) -> None:
    """Copy the consent's stored events, one at a time, into ``replica``; after each,
    the consent loaded there must be what the service answered at that step.

    ``services.consents.get`` is itself a fold of the stored events, so comparing the
    two in one store proves nothing; this catches an event stored (or read back)
    differently from the one the service applied, and a refused step that stored one.
    """
    first = steps[0].value
    events = services.consents.events(first.id)
    indexes = services.consents.log_indexes(first.id)
    assert [e.seq for e in events] == list(range(1, len(steps) + 1))
    assert indexes == [index for step in steps for index in step.log_indexes]
    with replica.database.write() as connection:
        performers = PerformerRepository(connection)
        if performers.get(first.performer_id) is None:
            performers.add(services.registry.get_performer(first.performer_id))
        productions = ProductionRepository(connection)
        if productions.get(first.production_id) is None:
            productions.add(services.registry.get_production(first.production_id))
        ConsentEventRepository(connection).create(
            first.id, first.performer_id, first.production_id, first.requested_at
        )
    for event, index, step in zip(events, indexes, steps, strict=True):
        with replica.database.write() as connection:
            ConsentEventRepository(connection).append(event, index)
        assert replica.consents.get(first.id) == step.value, f"after event {event.seq}"


def granted(world: tuple[Services, str, str]) -> str:
    services, performer, production = world
    consent = services.consents.request(performer, production, request()).value
    services.consents.grant(
        consent.id, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
    )
    return consent.id


def whole_lifecycle(  # type: ignore[no-untyped-def]
    services: Services, clock, performer: str, production: str, pauses: tuple[float, ...]
) -> list[Recorded[ConsentRecord]]:
    """Request, grant (by a representative), suspend, resume, revoke: ``pauses`` days
    apart."""
    consents = services.consents
    steps = [consents.request(performer, production, request())]
    cid = steps[0].value.id
    later: list[Callable[[], Recorded[ConsentRecord]]] = [
        lambda: consents.grant(
            cid,
            by=Grantor.REPRESENTATIVE,
            signer="Jane Roe",
            signed_separately=True,
            clear_and_conspicuous=True,
        ),
        lambda: consents.suspend(cid, reason="SAG-AFTRA strike"),
        lambda: consents.resume(cid),
        lambda: consents.revoke(cid, by=Grantor.PERFORMER, reason="changed my mind"),
    ]
    for pause, step in zip(pauses, later, strict=True):
        clock.advance(days=pause)
        steps.append(step())
    return steps


def test_every_transition_is_logged_with_a_receipt_that_verifies(world, clock) -> None:  # type: ignore[no-untyped-def]
    services, performer, production = world
    verifier = parse_verifier(services.ledger.verifier_key)
    steps = whole_lifecycle(services, clock, performer, production, pauses=(1, 1, 5, 1))
    cid = steps[0].value.id
    indexes = [s.log_indexes[0] for s in steps]
    assert services.consents.log_indexes(cid) == indexes
    types = []
    for index in indexes:
        receipt = services.ledger.receipt(index)
        verify_receipt(receipt, verifier)
        entry = decode_entry(receipt.entry)
        assert entry["ids"]["consent"] == cid  # type: ignore[index]
        types.append(entry["type"])
    assert types == [
        "consent.requested",
        "consent.granted",
        "consent.suspended",
        "consent.resumed",
        "consent.revoked",
    ]
    final = services.consents.get(cid)
    assert final.status is Status.REVOKED
    assert final.suspended[0].start == date(2025, 8, 12)
    assert b"Night Shift" not in b"".join(services.ledger.receipt(i).entry for i in indexes)


def test_replaying_stored_events_rebuilds_the_state_and_matches_the_log(  # type: ignore[no-untyped-def]
    world, clock, replica
) -> None:
    services, performer, production = world
    steps = whole_lifecycle(services, clock, performer, production, pauses=(1.13, 2, 4, 1.005))
    cid = steps[0].value.id
    assert_replay_rebuilds_each_step(services, replica, steps)
    events = services.consents.events(cid)
    # The log's commitments open to exactly the stored event data (with the salt).
    with services.database.read() as connection:
        salt = SaltRepository(connection).get(f"consent:{cid}", personal(performer))
    assert salt is not None
    for event, index in zip(events, services.consents.log_indexes(cid), strict=True):
        entry = decode_entry(services.ledger.receipt(index).entry)
        assert entry["commitments"]["by" if event.type is EventType.GRANTED else "seq"] == (  # type: ignore[index]
            commitment(salt, "by", event.data["by"])
            if event.type is EventType.GRANTED
            else commitment(salt, "seq", event.seq)
        )


# -- bad input: a clear error, nothing changed -------------------------------------------


def assert_unchanged(services: Services, before: int) -> None:
    assert services.ledger.size() == before


def test_unknown_consent(world) -> None:  # type: ignore[no-untyped-def]
    services, _, _ = world
    before = services.ledger.size()
    with pytest.raises(NotFoundError, match="no consent with id 'NOPE'"):
        services.consents.grant(
            "NOPE", by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
        )
    assert_unchanged(services, before)


@pytest.mark.parametrize(
    ("by", "signer", "message"),
    [
        (Grantor.ESTATE, "Lovelace Estate", "is alive: only they"),
        (Grantor.UNION, None, "is alive: only they"),
        (Grantor.REPRESENTATIVE, "Mallory", "'Mallory' is not an authorised representative"),
        (Grantor.REPRESENTATIVE, None, "None is not an authorised representative"),
    ],
)
def test_grant_by_someone_not_authorised(world, by, signer, message) -> None:  # type: ignore[no-untyped-def]
    services, performer, production = world
    cid = services.consents.request(performer, production, request()).value.id
    before = services.ledger.size()
    with pytest.raises(PermissionDeniedError, match=message):
        services.consents.grant(
            cid, by=by, signer=signer, signed_separately=True, clear_and_conspicuous=True
        )
    assert services.consents.get(cid).status is Status.REQUESTED
    assert_unchanged(services, before)


def test_grant_after_expiry(world, clock) -> None:  # type: ignore[no-untyped-def]
    services, performer, production = world
    cid = services.consents.request(performer, production, request()).value.id
    clock._now = datetime(2026, 7, 1, tzinfo=UTC)
    before = services.ledger.size()
    with pytest.raises(InvalidInputError, match="its term ended on 2026-06-30"):
        services.consents.grant(
            cid, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
        )
    assert services.consents.get(cid).status is Status.REQUESTED
    assert_unchanged(services, before)


def test_revoke_twice(world) -> None:  # type: ignore[no-untyped-def]
    services, _, _ = world
    cid = granted(world)
    services.consents.revoke(cid, by=Grantor.PERFORMER)
    before = services.ledger.size()
    with pytest.raises(ConflictError, match="already revoked on 2025-08-10"):
        services.consents.revoke(cid, by=Grantor.PERFORMER)
    assert len(services.consents.events(cid)) == 3
    assert_unchanged(services, before)


def test_use_dated_before_the_consent(world) -> None:  # type: ignore[no-untyped-def]
    services, performer, production = world
    cid = granted(world)
    before = services.ledger.size()
    with pytest.raises(InvalidInputError, match=r"dated before consent .* starts \(2025-08-10\)"):
        services.uses.report(
            UseReport(performer, use_on(production, date(2025, 7, 1)), consent_id=cid)
        )
    assert_unchanged(services, before)
    assert services.uses.statement(performer, date(2025, 1, 1), date(2025, 12, 31)).uses == ()


def test_catch_all_request_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    services, performer, production = world
    before = services.ledger.size()
    vague = UseDescription(
        project="Night Shift",
        purposes=("any and all uses",),
        media=("all media now known or hereafter devised",),
        territory="throughout the universe",
    )
    with pytest.raises(InvalidInputError, match="not reasonably specific") as raised:
        services.consents.request(performer, production, request(description=vague))
    assert (
        "'any and all'" in raised.value.message and "must list its scenes" in raised.value.message
    )
    assert services.consents.find() == []
    assert_unchanged(services, before)


def test_deny_then_grant_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    services, performer, production = world
    cid = services.consents.request(performer, production, request()).value.id
    services.consents.deny(cid, by=Grantor.PERFORMER, reason="not this film")
    with pytest.raises(ConflictError, match="already denied"):
        services.consents.grant(
            cid, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
        )


# -- uses and statements -----------------------------------------------------------------


def test_statement_reconciles_and_names_ledger_indexes(world, clock) -> None:  # type: ignore[no-untyped-def]
    services, performer, production = world
    cid = granted(world)
    reports = [
        services.uses.report(
            UseReport(
                performer,
                use_on(production, date(2025, 9, 1), "2"),
                pro_rata_daily_rate=Decimal("1500"),
                consent_id=cid,
            )
        ),
        services.uses.report(UseReport(performer, use_on(production, date(2025, 10, 1), "1.5"))),
        services.uses.report(UseReport(performer, use_on("X", date(2025, 10, 2))))
        if False
        else None,
    ]
    services.consents.revoke(cid, by=Grantor.PERFORMER)
    clock.advance(days=60)
    after = services.uses.report(UseReport(performer, use_on(production, date(2025, 11, 1))))
    statement = services.uses.statement(performer, date(2025, 9, 1), date(2025, 11, 30))
    assert [u.decision.outcome.value for u in statement.uses] == [
        "covered",
        "covered",
        "not_covered",
    ]
    # 2 × $1,500 (pro-rata above minimum) + 1.5 × $1,246 minimum; nothing after revocation.
    assert statement.totals == (Money(Decimal("3000.00") + Decimal("1869.00"), "USD"),)
    assert statement.reconciles()
    data = statement_json(statement)
    assert data["reconciled"] is True
    assert [u["log_index"] for u in data["uses"]] == [
        reports[0].log_indexes[0],
        reports[1].log_indexes[0],
        after.log_indexes[0],
    ]
    for use in data["uses"]:
        entry = decode_entry(services.ledger.receipt(use["log_index"]).entry)
        assert entry["type"] == "use.reported" and entry["ids"]["use"] == use["use_id"]  # type: ignore[index]
    rows = list(csv.DictReader(io.StringIO(statement_csv(statement))))
    assert sum(Decimal(r["amount"]) for r in rows if r["use_id"] != "TOTAL") == Decimal("4869.00")
    assert rows[-1]["use_id"] == "TOTAL" and rows[-1]["amount"] == "4869.00"


def test_unknown_ids_in_use_reports(world) -> None:  # type: ignore[no-untyped-def]
    services, performer, production = world
    with pytest.raises(NotFoundError, match="no consent with id 'C-X'"):
        services.uses.report(
            UseReport(performer, use_on(production, date(2025, 9, 1)), consent_id="C-X")
        )
    with pytest.raises(NotFoundError, match="no production"):
        services.uses.report(UseReport(performer, use_on("NOPE", date(2025, 9, 1))))
    with pytest.raises(InvalidInputError, match="ends"):
        services.uses.statement(performer, date(2025, 2, 1), date(2025, 1, 1))


# -- the CLI end to end ------------------------------------------------------------------


# The TV/Theatrical day-performer minimum by effective date (rules.md D.2), copied by hand.
DAY_MINIMUM_BY_HAND = {
    date(2026, 7, 1): 1283,
    date(2027, 7, 1): 1321,
    date(2028, 7, 1): 1361,
    date(2029, 7, 1): 1402,
}


def test_cli_lifecycle_statement_and_bad_input(world, settings: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, performer, production = world
    home = ["--home", str(settings.home)]
    today = datetime.now(UTC).date()

    def ok(*args: str) -> dict:  # type: ignore[type-arg]
        result = runner.invoke(app, [*home, *args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    consent = ok(
        "consent",
        "request",
        "--performer",
        performer,
        "--production",
        production,
        "--kind",
        "employment_based",
        "--modality",
        "face",
        "--project",
        "Night Shift",
        "--purpose",
        "complete reshoot scenes",
        "--territory",
        "worldwide",
        "--from",
        "2026-11-01",
        "--until",
        "2099-01-01",
        "--medium",
        "streaming",
        "--scene",
        "42",
    )
    receipt = tmp_path / "grant.json"
    granted_ = ok("consent", "grant", consent["id"], "--by", "performer", "--receipt", str(receipt))
    assert granted_["state"] == "granted" and len(granted_["log_indexes"]) == 2
    key = tmp_path / "vkey"
    key.write_text(runner.invoke(app, [*home, "log", "key"]).stdout)
    verified = runner.invoke(app, ["log", "verify-receipt", str(receipt), "--key", str(key)])
    assert "consent.granted" in verified.stdout
    used = ok(
        "use",
        "report",
        "--performer",
        performer,
        "--production",
        production,
        "--kind",
        "employment_based",
        "--modality",
        "face",
        "--purpose",
        "complete reshoot scenes",
        "--date",
        today.isoformat(),
        "--scene",
        "42",
        "--days",
        "2",
    )
    # The CLI runs on the real clock: the grant is dated today, and so is the use. Two days
    # at the day-performer minimum in force today (rules.md D.2, by hand).
    owed = f"{2 * DAY_MINIMUM_BY_HAND[max(k for k in DAY_MINIMUM_BY_HAND if k <= today)]}.00"
    assert used["decision"] == "covered" and used["total"]["amount"] == owed
    statement = ok(
        "statement", performer, "--from", f"{today.year}-01-01", "--to", f"{today.year}-12-31"
    )
    assert statement["totals"] == [{"amount": owed, "currency": "USD"}]
    csv_out = runner.invoke(
        app, [*home, "statement", performer, "--from", "2025-01-01", "--to", "2025-12-31", "--csv"]
    ).stdout
    assert csv_out.splitlines()[0].startswith("use_id,date,production_id,decision")

    ok("consent", "revoke", consent["id"], "--by", "performer")
    twice = runner.invoke(app, [*home, "consent", "revoke", consent["id"], "--by", "performer"])
    assert twice.exit_code == EXIT_CODES["conflict"] and "already revoked" in twice.stderr
    estate = runner.invoke(app, [*home, "consent", "grant", consent["id"], "--by", "estate"])
    assert estate.exit_code == EXIT_CODES["forbidden"]
    unknown = runner.invoke(app, [*home, "consent", "show", "NOPE"])
    assert unknown.exit_code == EXIT_CODES["not_found"]
    listed = runner.invoke(app, [*home, "consent", "list", "--performer", performer, "--json"])
    assert [c["state"] for c in json.loads(listed.stdout)] == ["revoked"]


# -- property: replay rebuilds state ---------------------------------------------------------

ACTIONS = st.lists(st.sampled_from(["grant", "deny", "revoke", "suspend", "resume"]), max_size=8)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ACTIONS, st.lists(st.sampled_from([Grantor.PERFORMER, Grantor.REPRESENTATIVE])))
def test_replay_rebuilds_the_same_state_for_any_history(  # type: ignore[no-untyped-def]
    world, clock, replica, actions, grantors
) -> None:
    services, performer, production = world
    clock._now = START
    steps = [services.consents.request(performer, production, request())]
    cid = steps[0].value.id
    for i, action in enumerate(actions):
        clock.advance(days=1)
        by = grantors[i % len(grantors)] if grantors else Grantor.PERFORMER
        signer = "Jane Roe" if by is Grantor.REPRESENTATIVE else None
        try:
            if action == "grant":
                step = services.consents.grant(
                    cid, by=by, signer=signer, signed_separately=True, clear_and_conspicuous=True
                )
            elif action == "deny":
                step = services.consents.deny(cid, by=by, signer=signer, reason="not this film")
            elif action == "revoke":
                step = services.consents.revoke(cid, by=by, signer=signer, reason="withdrawn")
            elif action == "suspend":
                step = services.consents.suspend(cid, reason="strike")
            else:
                step = services.consents.resume(cid)
        except (ConflictError, InvalidInputError):
            continue  # a refused step must store nothing: the replay checks it
        steps.append(step)
    assert_replay_rebuilds_each_step(services, replica, steps)


def test_erasing_a_performer_erases_their_consents_and_uses(world) -> None:  # type: ignore[no-untyped-def]
    services, performer, production = world
    cid = granted(world)
    services.uses.report(UseReport(performer, use_on(production, date(2025, 9, 1))))
    services.registry.erase_performer(performer)
    assert services.consents.find() == []
    with services.database.read() as connection:
        assert SaltRepository(connection).get(f"consent:{cid}", personal(performer)) is None
    assert services.ledger.audit().ok


def test_a_minor_consents_through_the_recorded_guardian(
    world: tuple[Services, str, str],
) -> None:
    """A minor's own signature does not cover a use; their recorded guardian's does, and
    is recorded as a parent's or guardian's; an agent's is not a guardian's."""
    services, _, film = world
    minor = services.registry.add_performer(
        PerformerInput(
            legal_name="Kit Minor",
            date_of_birth=date(2011, 3, 3),  # 14 on 2025-08-10
            representatives=(
                Representative("Pat Minor", RepresentativeCapacity.GUARDIAN),
                Representative("Sam Agent", RepresentativeCapacity.AGENT),
            ),
        )
    ).value

    def granted(by: Grantor, signer: str | None) -> ConsentRecord:
        asked = services.consents.request(minor.id, film, request()).value
        return services.consents.grant(
            asked.id, by=by, signer=signer, signed_separately=True, clear_and_conspicuous=True
        ).value

    def decided(record: ConsentRecord) -> tuple[str, str]:
        used = services.uses.report(
            UseReport(minor.id, use_on(film, date(2025, 10, 1)), consent_id=record.id)
        ).value.decision
        return used.outcome.value, " ".join(r.message for r in used.reasons)

    own = granted(Grantor.PERFORMER, None)
    outcome, why = decided(own)
    assert outcome == "not_covered" and "must come from a parent or guardian" in why
    agent = granted(Grantor.REPRESENTATIVE, "Sam Agent")
    assert agent.granted_by is Grantor.REPRESENTATIVE
    assert decided(agent)[0] == "not_covered"
    guardian = granted(Grantor.REPRESENTATIVE, "Pat Minor")
    assert guardian.granted_by is Grantor.PARENT_OR_GUARDIAN
    assert decided(guardian)[0] == "covered"
    with pytest.raises(PermissionDeniedError, match="not recorded as the guardian"):
        granted(Grantor.PARENT_OR_GUARDIAN, "Sam Agent")
