"""Throttling password guesses without letting an attacker lock a real user out.

Failures are counted in the database (every server process shares the counts) under
two keys: the username *from one client address*, and the address alone. A key that
has used its free failures waits before its next attempt, twice as long after each
further failure (1 s, 2 s, 4 s … up to 15 minutes). Nothing is counted per username
alone, so failures from one address never block a correct login from another; the
price is that a guesser spread over many addresses is slowed per address only (see
docs/api.md, "Signing in").

Each attempt is counted *before* its password is checked, in the transaction that
checks the wait, so a burst of parallel guesses cannot all slip in before the first
failure is written; a success takes its count back. Keys are SHA-256 digests: the
table holds neither the names people typed nor their addresses.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from likeness.errors import AuthenticationError
from likeness.store.database import Database
from likeness.store.logins import Failures, ThrottleRepository


@dataclass(frozen=True)
class ThrottlePolicy:
    free_per_user_and_address: int = 5
    free_per_address: int = 30
    first_delay: timedelta = timedelta(seconds=1)
    longest_delay: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=24)

    def blocked_until(self, count: int, free: int, at: datetime) -> datetime | None:
        """The wait after the ``count``-th failure in a row: none while free ones remain,
        then doubling from ``first_delay`` up to ``longest_delay``."""
        if count < free:
            return None
        doublings = min(count - free, 30)  # 2**30 s is far past any cap
        delay: timedelta = min(self.first_delay * 2**doublings, self.longest_delay)
        return at + delay


def _address_key(address: str | None) -> str:
    """An IPv6 client owns a /64, so its addresses count as one."""
    if address is None:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class LoginThrottle:
    def __init__(
        self, database: Database, key: bytes, policy: ThrottlePolicy | None = None
    ) -> None:
        self._database = database
        self._key = key  # keys the digests: a stolen table cannot be searched for addresses
        self._policy = policy or ThrottlePolicy()

    def _digest(self, *parts: str) -> str:
        return hmac.digest(self._key, "\0".join(parts).encode(), "sha256").hex()

    def _keys(self, username: str, address: str | None) -> tuple[tuple[str, int], ...]:
        where = _address_key(address)
        per_user = self._policy.free_per_user_and_address
        return (
            (self._digest("user-at-address", username, where), per_user),
            (self._digest("address", where), self._policy.free_per_address),
        )

    def attempt(self, username: str, address: str | None, now: datetime) -> None:
        """Count an attempt, or refuse it (``AuthenticationError``) while its keys wait."""
        keys = self._keys(username, address)
        with self._database.write() as connection:
            throttle = ThrottleRepository(connection)
            throttle.forget_before(now - self._policy.forget_after)
            found = [throttle.get(key) for key, _ in keys]
            waits = ("for this username from your address", "from your address")
            for failures, whose in zip(found, waits, strict=True):
                if failures and failures.blocked_until and failures.blocked_until > now:
                    until = failures.blocked_until.strftime("%H:%M:%S UTC")
                    raise AuthenticationError(
                        f"too many failed logins {whose}; try again after {until}",
                        hint="ask an administrator to set a new password if you have forgotten it",
                    )
            for (key, free), failures in zip(keys, found, strict=True):
                count = (failures.count if failures else 0) + 1
                throttle.put(
                    key, Failures(count, now, self._policy.blocked_until(count, free, now))
                )

    def succeeded(self, connection: Connection, username: str, address: str | None) -> None:
        """Take back a correct attempt (in the transaction that opens the session): the
        username's count from this address restarts; the address keeps its other failures
        (signing in to one's own account must not reset the count of guesses at others')."""
        (pair, _), (by_address, free) = self._keys(username, address)
        throttle = ThrottleRepository(connection)
        throttle.remove(pair)
        failures = throttle.get(by_address)
        if failures is not None:
            count = max(failures.count - 1, 0)
            blocked = failures.blocked_until if count >= free else None
            throttle.put(by_address, Failures(count, failures.last_at, blocked))
