"""``AccountService.set_role``: an account takes another role with the tie that role
needs, at once for its API keys (cached with the old role) and its name (sealed under the
key of the performer it acts for)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from likeness.bootstrap import Services
from likeness.domain.account import Role
from likeness.domain.production import Agreement, ProductionKind
from likeness.errors import ConflictError, InvalidInputError, NotFoundError
from likeness.services.inputs import PerformerInput, ProductionInput

UNKNOWN = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


@pytest.fixture
def ties(fake_services: Services) -> tuple[str, str]:
    registry = fake_services.registry
    performer = registry.add_performer(
        PerformerInput(legal_name="Ada Lovelace", date_of_birth=date(1990, 1, 1))
    ).value.id
    production = registry.add_production(
        ProductionInput(
            title="Night Shift",
            company="Acme",
            kind=ProductionKind.STREAMING,
            agreement=Agreement.NONE,
            start_date=date(2025, 1, 1),
        )
    ).value.id
    return performer, production


def stored_name(services: Services, account_id: str) -> str:
    with services.database.read() as connection:
        return str(
            connection.execute(
                text("SELECT name FROM accounts WHERE id = :a"), {"a": account_id}
            ).scalar_one()
        )


def test_a_new_role_applies_to_the_accounts_cached_keys_at_once(
    fake_services: Services, ties: tuple[str, str]
) -> None:
    _, production = ties
    accounts = fake_services.accounts
    account = accounts.add_account("Cy Casting", Role.AUDITOR)
    token = accounts.create_api_key(account.id).token
    assert accounts.authenticate(token).role is Role.AUDITOR  # cached now
    changed = accounts.set_role(account.id, Role.PRODUCTION, production_id=production)
    assert (changed.role, changed.production_id, changed.performer_id) == (
        Role.PRODUCTION,
        production,
        None,
    )
    assert accounts.authenticate(token).role is Role.PRODUCTION
    assert accounts.get_account(account.id) == changed


def test_an_account_acting_for_a_performer_has_its_name_sealed_and_back_in_clear(
    fake_services: Services, ties: tuple[str, str]
) -> None:
    performer, _ = ties
    accounts = fake_services.accounts
    account = accounts.add_account("Rex Agent", Role.AUDITOR)
    assert stored_name(fake_services, account.id) == "Rex Agent"
    accounts.set_role(account.id, Role.REPRESENTATIVE, performer_id=performer)
    assert "Rex Agent" not in stored_name(fake_services, account.id)  # sealed with hers
    assert accounts.get_account(account.id).name == "Rex Agent"
    accounts.set_role(account.id, Role.PLATFORM)
    assert stored_name(fake_services, account.id) == "Rex Agent"
    assert accounts.get_account(account.id).performer_id is None


def test_a_role_without_its_tie_or_with_an_unknown_one_is_refused_and_nothing_changes(
    fake_services: Services, ties: tuple[str, str]
) -> None:
    performer, production = ties
    accounts = fake_services.accounts
    account = accounts.add_account("Dee", Role.AUDITOR)
    with pytest.raises(InvalidInputError, match="must name the performer it acts for"):
        accounts.set_role(account.id, Role.PERFORMER)
    with pytest.raises(InvalidInputError, match="cannot be tied to a production"):
        accounts.set_role(
            account.id, Role.PERFORMER, performer_id=performer, production_id=production
        )
    with pytest.raises(NotFoundError, match="performer"):
        accounts.set_role(account.id, Role.PERFORMER, performer_id=UNKNOWN)
    with pytest.raises(NotFoundError, match="account"):
        accounts.set_role(UNKNOWN, Role.AUDITOR)
    with pytest.raises(ConflictError, match="already has this role and tie"):
        accounts.set_role(account.id, Role.AUDITOR)
    assert accounts.get_account(account.id) == account


def test_no_account_changes_its_own_role(fake_services: Services) -> None:
    accounts = fake_services.accounts
    admin = accounts.add_account("Root", Role.ADMIN)
    with pytest.raises(ConflictError, match="cannot change its own role"):
        accounts.set_role(admin.id, Role.AUDITOR, by=admin)
    other = accounts.add_account("Root Two", Role.ADMIN)
    assert accounts.set_role(admin.id, Role.AUDITOR, by=other).role is Role.AUDITOR
