"""Portal logins (argon2id password hashes) and sessions (opaque cookies with a CSRF token).

A session cookie is 32 random bytes; only its SHA-256 is stored, so a copy of the
database cannot be replayed as a login. Each session carries its own CSRF token, which
every state-changing form and htmx request must echo. Sessions are read from the
database on every request, so ending them (a password change, a disabled account)
takes effect at once in every server process. Password guesses are throttled in the
database by ``services/login_throttle.py``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from likeness.domain.account import Account, SessionEnd
from likeness.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    SessionEndedError,
)
from likeness.services.login_throttle import LoginThrottle, ThrottlePolicy
from likeness.services.ports import Clock
from likeness.store.database import Database
from likeness.store.logins import Login, LoginRepository, Session, SessionRepository
from likeness.store.repositories import AccountRepository

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD = 12
SESSION_LIFETIME = timedelta(hours=12)


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps an unknown username as slow as a wrong password.
    Made on first use: hashing at import would slow every CLI command."""
    return PasswordHasher().hash("not a password of anyone's")


@dataclass(frozen=True)
class OpenSession:
    token: str  # the cookie value: shown once, never stored
    csrf_token: str
    account: Account


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        throttle_key: bytes,
        hasher: PasswordHasher | None = None,
        throttle: ThrottlePolicy | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        self._throttle = LoginThrottle(database, throttle_key, throttle)

    def set_password(
        self, account_id: str, username: str, password: str, *, min_length: int = MIN_PASSWORD
    ) -> None:
        """Set an account's login; changing an existing password ends every session of the
        account (a stolen cookie must not outlive the password it was opened with)."""
        username = username.strip().lower()
        if not USERNAME.fullmatch(username):
            raise InvalidInputError(
                f"username {username!r} is not allowed",
                hint="2-64 characters: lower-case letters, digits, '.', '_' and '-'",
            )
        if len(password) < min_length:
            raise InvalidInputError(f"a password needs at least {min_length} characters")
        password_hash = self._hasher.hash(password)
        now = self._clock.now()
        with self._database.write() as connection:
            if AccountRepository(connection).get(account_id) is None:
                raise NotFoundError("account", account_id)
            logins = LoginRepository(connection)
            taken = logins.by_username(username)
            if taken is not None and taken.account_id != account_id:
                raise ConflictError(f"username {username!r} is taken by another account")
            if logins.of_account(account_id) is not None:
                SessionRepository(connection).end_all(account_id, SessionEnd.PASSWORD_CHANGED, now)
            logins.set(Login(account_id, username, password_hash), now)

    def log_in(self, username: str, password: str, *, address: str | None = None) -> OpenSession:
        """Check a password from a client ``address`` and open a session; the same refusal
        for every wrong username or password, a wait after repeated failures
        (``LoginThrottle``), and a disabled account refused only once its password is right.
        """
        name = username.strip().lower()
        now = self._clock.now()
        self._throttle.attempt(name, address, now)
        with self._database.read() as connection:
            login = LoginRepository(connection).by_username(name)
        try:
            self._hasher.verify(login.password_hash if login else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            login = None
        if login is None:
            raise AuthenticationError("wrong username or password")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._database.write() as connection:
            account = AccountRepository(connection).get(login.account_id)
            assert account is not None  # foreign key
            if account.disabled:
                raise AuthenticationError(
                    "this account is disabled", hint="ask an administrator to enable it"
                )
            self._throttle.succeeded(connection, name, address)
            if self._hasher.check_needs_rehash(login.password_hash):
                LoginRepository(connection).rehash(
                    login.account_id, self._hasher.hash(password), now
                )
            AccountRepository(connection).note_sign_in(account.id, now)
            sessions = SessionRepository(connection)
            sessions.remove_expired(now)
            sessions.add(
                _digest(token), Session(login.account_id, csrf, now + SESSION_LIFETIME), now
            )
        return OpenSession(token, csrf, account)

    def session(self, token: str) -> OpenSession:
        """The account and CSRF token of a live session; refuses unknown or expired ones,
        and says why a session that was ended everywhere ended (``SessionEndedError``)."""
        with self._database.read() as connection:
            found = SessionRepository(connection).get(_digest(token))
            account = None if found is None else AccountRepository(connection).get(found.account_id)
        if found is None or account is None or found.expires_at <= self._clock.now():
            raise AuthenticationError("your session has ended; please log in again")
        ended = found.ended or (SessionEnd.ACCOUNT_DISABLED if account.disabled else None)
        if ended is not None:
            raise SessionEndedError(
                ended.message,
                reason=ended.value,
                hint="ask an administrator to enable the account"
                if ended is SessionEnd.ACCOUNT_DISABLED
                else "log in again",
            )
        return OpenSession(token, found.csrf_token, account)

    def log_out(self, token: str) -> None:
        with self._database.write() as connection:
            SessionRepository(connection).remove(_digest(token))


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
