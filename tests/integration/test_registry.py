"""Registry services over a real SQLite data home."""

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from likeness.bootstrap import Services, build_services
from likeness.domain.performer import PerformerStatus, Representative, RepresentativeCapacity
from likeness.domain.production import Agreement, ProductionKind
from likeness.errors import ConflictError, ImportRejectedError, InvalidInputError, NotFoundError
from likeness.services.inputs import PerformerChanges, PerformerInput, ProductionInput
from likeness.settings import Settings
from likeness.store.tables import performers as performers_table

HEADER = "legal_name,professional_name,union,member_number,date_of_birth\n"


def performer_rows(services: Services) -> int:
    with services.database.read() as connection:
        return connection.execute(select(func.count()).select_from(performers_table)).scalar_one()


def ada(**fields: object) -> PerformerInput:
    base: dict[str, object] = {
        "legal_name": "Ada Lovelace",
        "professional_name": "Ada L",
        "union": "SAG-AFTRA",
        "member_number": "100",
        "date_of_birth": date(1990, 6, 15),
        "domicile": "US-CA",
        "representatives": (Representative("Jane Roe", RepresentativeCapacity.AGENT, "jr@x.test"),),
    }
    return PerformerInput(**{**base, **fields})  # type: ignore[arg-type]


def test_performer_round_trips_and_survives_a_restart(
    services: Services, settings: Settings
) -> None:
    added = services.registry.add_performer(ada()).value
    services.close()
    reopened = build_services(settings)
    try:
        assert reopened.registry.get_performer(added.id) == added
        assert reopened.registry.list_performers() == [added]
    finally:
        reopened.close()


def test_duplicate_member_number_is_a_conflict_and_writes_nothing(services: Services) -> None:
    first = services.registry.add_performer(ada()).value
    with pytest.raises(
        ConflictError,
        match=f"SAG-AFTRA member number 100 is already registered to performer {first.id}",
    ):
        services.registry.add_performer(ada(legal_name="Someone Else"))
    assert performer_rows(services) == 1


def test_same_number_in_another_union_is_fine(services: Services) -> None:
    services.registry.add_performer(ada())
    services.registry.add_performer(ada(union="Equity"))
    assert performer_rows(services) == 2


def test_death_before_birth_writes_nothing(services: Services) -> None:
    with pytest.raises(
        InvalidInputError, match="date of death 1980-01-01 is before date of birth 1990-06-15"
    ):
        services.registry.add_performer(ada(date_of_death=date(1980, 1, 1)))
    assert performer_rows(services) == 0


def test_future_birth_date_is_refused(services: Services) -> None:
    with pytest.raises(InvalidInputError, match="in the future"):
        services.registry.add_performer(ada(date_of_birth=date(2030, 1, 1)))


def test_unknown_ids_are_not_found(services: Services) -> None:
    with pytest.raises(NotFoundError, match="no performer with id 'NOPE'"):
        services.registry.get_performer("NOPE")
    with pytest.raises(NotFoundError, match="no production with id 'NOPE'"):
        services.registry.get_production("NOPE")
    with pytest.raises(NotFoundError):
        services.registry.update_performer("NOPE", PerformerChanges(domicile="US-NY"))


def test_update_records_a_death_and_adds_representatives(services: Services, clock) -> None:
    added = services.registry.add_performer(ada()).value
    clock.advance(days=1)
    estate = Representative("Lovelace Estate", RepresentativeCapacity.ESTATE)
    updated = services.registry.update_performer(
        added.id, PerformerChanges(date_of_death=date(2025, 11, 27), add_representatives=(estate,))
    ).value
    assert updated.status is PerformerStatus.DECEASED
    assert updated.representatives == (*added.representatives, estate)
    assert updated.updated_at > added.updated_at and updated.created_at == added.created_at
    assert services.registry.get_performer(added.id) == updated


def test_update_cannot_take_another_performers_number(services: Services) -> None:
    services.registry.add_performer(ada())
    other = services.registry.add_performer(ada(member_number="200")).value
    with pytest.raises(ConflictError):
        services.registry.update_performer(other.id, PerformerChanges(member_number="100"))
    assert services.registry.get_performer(other.id).member_number == "200"


def test_production_round_trips(services: Services) -> None:
    added = services.registry.add_production(
        ProductionInput(
            title="Night Shift",
            company="Acme",
            kind=ProductionKind.STREAMING,
            agreement=Agreement.SAG_AFTRA_TV_THEATRICAL,
            start_date=date(2026, 3, 1),
            end_date=date(2026, 9, 1),
            jurisdiction="US-CA",
        )
    ).value
    assert services.registry.get_production(added.id) == added
    assert services.registry.list_productions() == [added]


def write_roster(path: Path, count: int, *, bad: dict[int, str] | None = None) -> Path:
    lines = [HEADER]
    for i in range(count):
        lines.append(
            f"Performer {i},Stage {i},SAG-AFTRA,M{i:06d},19{50 + i % 50}-0{1 + i % 9}-1{i % 10}\n"
        )
    for index, row in (bad or {}).items():
        lines[index] = row
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_import_adds_every_row(services: Services, tmp_path: Path) -> None:
    summary = services.registry.import_performers(write_roster(tmp_path / "r.csv", 50))
    assert summary.imported == 50 and performer_rows(services) == 50
    first = services.registry.get_performer(summary.performer_ids[0])
    assert (first.legal_name, first.member_number) == ("Performer 0", "M000000")


def test_import_with_one_bad_row_imports_nothing_and_names_it(
    services: Services, tmp_path: Path
) -> None:
    path = write_roster(tmp_path / "r.csv", 100, bad={42: "Bad Row,,SAG-AFTRA,X1,1990-13-01\n"})
    with pytest.raises(ImportRejectedError) as raised:
        services.registry.import_performers(path)
    assert [(p.line, p.message) for p in raised.value.problems] == [
        (43, "date_of_birth '1990-13-01' is not an ISO 8601 date (YYYY-MM-DD)")
    ]
    assert "line 43" in str(raised.value) and "nothing was imported" in str(raised.value)
    assert performer_rows(services) == 0


def test_import_reports_all_problems_including_duplicates(
    services: Services, tmp_path: Path
) -> None:
    services.registry.add_performer(ada(member_number="M000003"))
    path = write_roster(
        tmp_path / "r.csv",
        10,
        bad={
            2: "Copy,,SAG-AFTRA,M000000,1990-01-01\n",  # repeats line 2's number
            7: ",,,,1990-01-01\n",  # no legal name
        },
    )
    with pytest.raises(ImportRejectedError) as raised:
        services.registry.import_performers(path)
    assert [(p.line, p.message) for p in raised.value.problems] == [
        (3, "SAG-AFTRA member number M000000 repeats line 2"),
        (
            5,
            "SAG-AFTRA member number M000003 is already registered to performer "
            + holder(services),
        ),
        (8, "legal name must not be empty"),
    ]
    assert performer_rows(services) == 1


def holder(services: Services) -> str:
    return services.registry.list_performers()[0].id


def test_import_of_unreadable_files(services: Services, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        services.registry.import_performers(tmp_path / "absent.csv")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(HEADER.encode() + "Zoë,,,,1990-01-01\n".encode("latin-1"))
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        services.registry.import_performers(latin1)
    assert performer_rows(services) == 0


def test_concurrent_writers_from_separate_engines_all_land(
    services: Services, settings: Settings
) -> None:
    """Two processes' worth of writers (separate engines) queue on the lock; none is lost."""
    others = [build_services(settings) for _ in range(4)]
    errors: list[BaseException] = []

    def register(worker: int) -> None:
        try:
            for i in range(25):
                others[worker].registry.add_performer(ada(member_number=f"W{worker}-{i}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in others:
        other.close()
    assert errors == []
    assert performer_rows(services) == 100


def test_import_of_ten_thousand_rows(services: Services, tmp_path: Path) -> None:
    """The acceptance size works in one transaction (its speed is in bench/bench_import.py)."""
    summary = services.registry.import_performers(write_roster(tmp_path / "r.csv", 10_000))
    assert summary.imported == 10_000
    assert len(set(summary.performer_ids)) == 10_000
    assert performer_rows(services) == 10_000


def test_a_domicile_or_jurisdiction_that_is_not_a_region_code_is_refused(
    services: Services,
) -> None:
    """A domicile written "California" would never meet a statute keyed to US-CA."""
    with pytest.raises(InvalidInputError, match="domicile: 'California' is not an ISO 3166"):
        services.registry.add_performer(
            PerformerInput(legal_name="Ann", date_of_birth=date(1960, 1, 1), domicile="California")
        )
    kept = services.registry.add_performer(
        PerformerInput(legal_name="Ann", date_of_birth=date(1960, 1, 1), domicile="US-CA")
    ).value
    with pytest.raises(InvalidInputError, match="domicile: 'US-XX' is not a US state code"):
        services.registry.update_performer(kept.id, PerformerChanges(domicile="US-XX"))
    assert services.registry.get_performer(kept.id).domicile == "US-CA"
    with pytest.raises(InvalidInputError, match="jurisdiction: 'Tennessee' is not an ISO 3166"):
        services.registry.add_production(
            ProductionInput(
                title="T",
                company="C",
                kind=ProductionKind.STREAMING,
                agreement=Agreement.NONE,
                start_date=date(2026, 1, 1),
                jurisdiction="Tennessee",
            )
        )
