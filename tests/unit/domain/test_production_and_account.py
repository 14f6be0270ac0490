from datetime import UTC, date, datetime

import pytest

from likeness.domain.account import Account, Role
from likeness.domain.ids import AccountId, PerformerId, ProductionId
from likeness.domain.production import Agreement, Production, ProductionKind
from likeness.errors import InvalidInputError

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def production(**fields: object) -> Production:
    base: dict[str, object] = {
        "id": ProductionId("01J0000000000000000000000B"),
        "title": "Night Shift",
        "company": "Acme Pictures",
        "kind": ProductionKind.THEATRICAL,
        "agreement": Agreement.SAG_AFTRA_TV_THEATRICAL,
        "start_date": date(2026, 3, 1),
        "created_at": NOW,
    }
    return Production(**{**base, **fields})  # type: ignore[arg-type]


def test_production_end_before_start_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="end date 2026-02-01 is before start date"):
        production(end_date=date(2026, 2, 1))


@pytest.mark.parametrize("code", ["US-CA", "DK", "US-NY"])
def test_iso_jurisdictions_are_accepted(code: str) -> None:
    assert production(jurisdiction=code).jurisdiction == code


@pytest.mark.parametrize("code", ["California", "us-ca", "USA-CA"])
def test_other_jurisdictions_are_refused(code: str) -> None:
    with pytest.raises(InvalidInputError, match="ISO 3166"):
        production(jurisdiction=code)


def account(role: Role, **ties: str) -> Account:
    return Account(
        id=AccountId("01J0000000000000000000000C"),
        name="someone",
        role=role,
        created_at=NOW,
        performer_id=PerformerId(ties["performer"]) if "performer" in ties else None,
        production_id=ProductionId(ties["production"]) if "production" in ties else None,
    )


def test_roles_are_tied_to_the_right_records() -> None:
    assert account(Role.PERFORMER, performer="P").performer_id == "P"
    assert account(Role.PRODUCTION, production="Q").production_id == "Q"
    assert account(Role.AUDITOR).role is Role.AUDITOR
    with pytest.raises(InvalidInputError, match="must name the performer"):
        account(Role.REPRESENTATIVE)
    with pytest.raises(InvalidInputError, match="must name its production"):
        account(Role.PRODUCTION)
    with pytest.raises(InvalidInputError, match="cannot be tied to a performer"):
        account(Role.PLATFORM, performer="P")
