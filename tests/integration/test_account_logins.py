"""An account made with its portal login: both in one transaction, or neither."""

from __future__ import annotations

import threading

import pytest

from likeness.bootstrap import Services
from likeness.domain.account import Account, Role
from likeness.errors import ConflictError
from likeness.store.logins import LoginRepository

PASSWORD = "twelve chars or more"


def test_the_login_is_made_with_its_account_and_opens_a_session(
    fake_services: Services,
) -> None:
    login = fake_services.logins.new_login(" Ann.Auditor ", PASSWORD)
    account = fake_services.accounts.add_account("Ann", Role.AUDITOR, login=login)
    assert fake_services.accounts.username(account.id) == "ann.auditor"
    assert fake_services.logins.log_in("ann.auditor", PASSWORD).account.id == account.id


def test_a_taken_username_makes_no_account(fake_services: Services) -> None:
    accounts = fake_services.accounts
    accounts.add_account("Ann", Role.AUDITOR, login=fake_services.logins.new_login("ann", PASSWORD))
    before = accounts.list_accounts()
    with pytest.raises(ConflictError, match=r"username 'ann' is taken.*no account was created"):
        accounts.add_account(
            "Other Ann", Role.AUDITOR, login=fake_services.logins.new_login("ann", PASSWORD)
        )
    assert accounts.list_accounts() == before


def test_of_many_at_once_with_one_username_one_account_is_made(fake_services: Services) -> None:
    accounts = fake_services.accounts
    before = len(accounts.list_accounts())
    login = fake_services.logins.new_login("twin", PASSWORD)
    start = threading.Barrier(6)
    made: list[Account] = []
    refused: list[ConflictError] = []

    def create(n: int) -> None:
        start.wait()
        try:
            made.append(accounts.add_account(f"Twin {n}", Role.AUDITOR, login=login))
        except ConflictError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(made), len(refused)) == (1, 5)
    assert len(accounts.list_accounts()) == before + 1
    assert accounts.usernames()[made[0].id] == "twin"


def test_the_unique_username_refuses_a_writer_that_missed_the_other(
    fake_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a writer not see the other's login (writers that interleave), the database's
    unique username refuses it: the same conflict, and its account is rolled back."""
    accounts = fake_services.accounts
    accounts.add_account("Ann", Role.AUDITOR, login=fake_services.logins.new_login("ann", PASSWORD))
    before = accounts.list_accounts()
    monkeypatch.setattr(LoginRepository, "by_username", lambda self, username: None)
    with pytest.raises(ConflictError, match="username 'ann' is taken"):
        accounts.add_account(
            "Other Ann", Role.AUDITOR, login=fake_services.logins.new_login("ann", PASSWORD)
        )
    assert accounts.list_accounts() == before
