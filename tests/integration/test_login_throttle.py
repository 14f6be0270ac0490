"""Login throttling kept in the database: shared by every server process, keyed so that
an attacker cannot lock a real user out, with waits that double."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from likeness.bootstrap import Services, build_services
from likeness.errors import AuthenticationError
from likeness.settings import Settings
from likeness.testing import FixedClock
from tests.api_world import PASSWORD, World, build_world

WRONG = "not the password at all"


@pytest.fixture
def two_processes(
    services: Services, settings: Settings, clock: FixedClock
) -> Iterator[tuple[World, Services, Services]]:
    """Two composition roots on one SQLite file: two server processes, as far as the
    database can tell (each has its own engine and connections)."""
    world = build_world(services)
    other = build_services(settings, clock=clock)
    assert other.database is not services.database
    yield world, services, other
    other.close()


def fail(services: Services, username: str, address: str, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationError, match="wrong username or password"):
            services.logins.log_in(username, WRONG, address=address)


def refused(services: Services, username: str, address: str) -> str:
    with pytest.raises(AuthenticationError) as caught:
        services.logins.log_in(username, PASSWORD, address=address)
    return caught.value.message


def test_failures_in_one_process_make_the_other_wait(
    two_processes: tuple[World, Services, Services],
) -> None:
    _, first, second = two_processes
    fail(first, "performer", "127.0.0.2", times=5)
    message = refused(second, "performer", "127.0.0.2")
    assert message.startswith("too many failed logins for this username from your address")
    assert second.logins.log_in("performer", PASSWORD, address="127.0.0.3").account.id


def test_waits_double_after_each_further_failure(
    two_processes: tuple[World, Services, Services], clock: FixedClock
) -> None:
    _, first, second = two_processes
    fail(first, "performer", "127.0.0.2", times=5)
    for wait in (1, 2, 4, 8):
        clock.advance(seconds=wait - 0.5)
        assert "too many failed logins" in refused(second, "performer", "127.0.0.2")
        clock.advance(seconds=0.5)
        fail(first if wait % 2 else second, "performer", "127.0.0.2")  # allowed, and wrong
    clock.advance(seconds=16)
    assert first.logins.log_in("performer", PASSWORD, address="127.0.0.2").account.id
    fail(second, "performer", "127.0.0.2")  # a success started the count again
    assert second.logins.log_in("performer", PASSWORD, address="127.0.0.2").account.id


@pytest.mark.slow  # dozens of argon2 checks, or server starts
def test_the_longest_wait_is_fifteen_minutes(services: Services, clock: FixedClock) -> None:
    build_world(services)
    fail(services, "performer", "127.0.0.2", times=5)
    for _ in range(12):  # 1 s, 2 s, … past 15 minutes
        clock.advance(minutes=15)
        fail(services, "performer", "127.0.0.2")
    clock.advance(minutes=15, seconds=-1)
    assert "too many failed logins" in refused(services, "performer", "127.0.0.2")
    clock.advance(seconds=1)
    assert services.logins.log_in("performer", PASSWORD, address="127.0.0.2").account.id


@pytest.mark.slow  # dozens of argon2 checks, or server starts
def test_an_address_guessing_many_usernames_waits_but_no_username_does(
    two_processes: tuple[World, Services, Services],
) -> None:
    _, first, second = two_processes
    for n in range(29):
        fail(first if n % 2 else second, f"guess-{n}", "127.0.0.2")
    # Signing in to one's own account does not wipe the address's record of guesses.
    assert first.logins.log_in("performer", PASSWORD, address="127.0.0.2").account.id
    fail(second, "guess-29", "127.0.0.2")
    assert refused(first, "production", "127.0.0.2").startswith(
        "too many failed logins from your address"
    )
    for name in ("performer", "production"):  # every username still works from elsewhere
        assert first.logins.log_in(name, PASSWORD, address="127.0.0.3").account.id


def test_an_ipv6_client_counts_as_its_slash_64(services: Services) -> None:
    build_world(services)
    for n in range(1, 6):
        fail(services, "performer", f"2001:db8:1:2::{n}")
    assert "too many failed logins" in refused(services, "performer", "2001:db8:1:2::99")
    assert services.logins.log_in("performer", PASSWORD, address="2001:db8:1:3::1").account.id


def test_the_table_keeps_neither_names_nor_addresses(services: Services) -> None:
    build_world(services)
    fail(services, "someone-s-password-typed-as-name", "192.0.2.77", times=3)
    with services.database.read() as connection:
        rows = connection.exec_driver_sql("SELECT * FROM login_throttle").fetchall()
    assert len(rows) == 2  # (name, address) and address
    stored = repr(rows)
    assert "someone" not in stored and "192.0.2" not in stored
    # Nor can the address be found again by hashing every candidate: the digests are
    # keyed from the master key, which the table's reader does not hold.
    for candidate in (f"192.0.2.{n}" for n in range(256)):
        for parts in (
            ("address", candidate),
            ("user-at-address", "someone-s-password-typed-as-name", candidate),
        ):
            unkeyed = hashlib.sha256("\0".join(parts).encode()).hexdigest()
            assert unkeyed not in stored


def test_failures_are_forgotten_after_a_day(services: Services, clock: FixedClock) -> None:
    build_world(services)
    fail(services, "performer", "127.0.0.2", times=4)
    clock.advance(hours=24, seconds=1)
    fail(services, "performer", "127.0.0.2", times=4)  # four again: the old four are gone
    assert services.logins.log_in("performer", PASSWORD, address="127.0.0.2").account.id
