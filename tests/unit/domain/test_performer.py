from datetime import UTC, date, datetime

import pytest

from likeness.domain.ids import PerformerId
from likeness.domain.performer import (
    Performer,
    PerformerStatus,
    Representative,
    RepresentativeCapacity,
)
from likeness.errors import InvalidInputError

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def make(**fields: object) -> Performer:
    base: dict[str, object] = {
        "id": PerformerId("01J0000000000000000000000A"),
        "legal_name": "Ada Lovelace",
        "date_of_birth": date(1990, 6, 15),
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Performer(**{**base, **fields})  # type: ignore[arg-type]


def test_death_before_birth_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="date of death 1989-01-01 is before date of birth"):
        make(status=PerformerStatus.DECEASED, date_of_death=date(1989, 1, 1))


def test_deceased_needs_a_date_and_living_must_not_have_one() -> None:
    with pytest.raises(InvalidInputError, match="needs a date of death"):
        make(status=PerformerStatus.DECEASED)
    with pytest.raises(InvalidInputError, match="living performer cannot have a date of death"):
        make(date_of_death=date(2020, 1, 1))


def test_member_number_needs_a_union_and_a_sane_shape() -> None:
    with pytest.raises(InvalidInputError, match="without a union"):
        make(member_number="123")
    with pytest.raises(InvalidInputError, match="malformed"):
        make(union="SAG-AFTRA", member_number="12 34")


def test_empty_legal_name_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="legal name"):
        make(legal_name="   ")


def test_future_dates_are_refused_against_the_given_day() -> None:
    performer = make(date_of_birth=date(2026, 1, 6))
    with pytest.raises(InvalidInputError, match="in the future"):
        performer.check_dates_not_after(date(2026, 1, 5))
    performer.check_dates_not_after(date(2026, 1, 6))


@pytest.mark.parametrize(
    ("day", "age", "minor"),
    [
        (date(2008, 6, 14), 17, True),  # the day before the 18th birthday
        (date(2008, 6, 15), 18, False),
        (date(2000, 2, 29), 9, True),
    ],
)
def test_age_counts_completed_years(day: date, age: int, minor: bool) -> None:
    performer = make(date_of_birth=date(1990, 6, 15))
    assert performer.age_on(day) == age
    assert performer.is_minor_on(day) is minor


def test_representative_needs_a_name() -> None:
    with pytest.raises(InvalidInputError):
        Representative(name=" ", capacity=RepresentativeCapacity.AGENT)
