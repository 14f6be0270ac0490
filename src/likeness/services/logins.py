"""Portal logins (argon2id password hashes) and sessions (opaque cookies with a CSRF token).

A session cookie is 32 random bytes; only its SHA-256 is stored, so a copy of the
database cannot be replayed as a login. Each session carries its own CSRF token, which
every state-changing form and htmx request must echo. Sessions are read from the
database on every request, so ending them (a password change, a disabled account, its
owner ending it from another device) takes effect at once in every server process.
Password guesses are throttled in the database by ``services/login_throttle.py``.

Each session remembers the device it was opened from: a short label made from the
browser's User-Agent (never the header itself), the client address, and when it was last
used (written at most once a minute). Its owner sees them under a public handle derived
from the stored digest, from which neither the digest nor the cookie can be recovered.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

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
SEEN_EVERY = timedelta(minutes=1)  # how stale a session's "last used" may get: one write a minute
DEVICE_LABEL = 200  # characters kept of a device's label (the column's size)
ADDRESS = 64


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


@dataclass(frozen=True)
class NewLogin:
    """The login of an account yet to be created, its password already hashed: argon2
    is slow on purpose, so it runs before the write transaction that creates the account
    and this login together (``AccountService.add_account``), never inside it."""

    username: str
    password_hash: str


@dataclass(frozen=True)
class Device:
    """A signed-in device (one live session) as its owner sees it."""

    handle: str  # public: names the session in pages and forms, opens nothing
    label: str
    address: str | None
    signed_in_at: datetime
    last_seen_at: datetime | None
    current: bool  # the session looking at the list


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_handle(token_hash: str) -> str:
    """A session's public name: 64 bits of a hash of its stored digest (one-way, so a page
    showing it gives away neither the digest nor the cookie)."""
    return hashlib.sha256(f"device:{token_hash}".encode()).hexdigest()[:16]


# Checked in order: Edge and Opera also say "Chrome", Chrome also says "Safari", and
# Android also says "Linux".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-httpx/", "a Python program"),
    ("python-requests/", "a Python program"),
    ("testclient", "a test client"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str | None) -> str:
    """A short label of a browser ("Chrome on Linux") from its User-Agent header; the
    header itself is not kept (it can be long, and it is a fingerprint)."""
    agent = (user_agent or "")[:1000]
    browser = next((name for token, name in _BROWSERS if token in agent), None)
    system = next((name for token, name in _SYSTEMS if token in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"a browser on {system}"
    return "an unknown browser"


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

    def new_login(
        self, username: str, password: str, *, min_length: int = MIN_PASSWORD
    ) -> NewLogin:
        """A checked username and the hash of a checked password, for an account created
        with its login in one transaction (``AccountService.add_account(login=...)``)."""
        username = _checked_username(username)
        _check_new_password(password, min_length)
        return NewLogin(username, self._hasher.hash(password))

    def set_password(
        self, account_id: str, username: str, password: str, *, min_length: int = MIN_PASSWORD
    ) -> None:
        """Set an account's login; changing an existing password ends every session of the
        account (a stolen cookie must not outlive the password it was opened with)."""
        username = _checked_username(username)
        _check_new_password(password, min_length)
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

    def log_in(
        self,
        username: str,
        password: str,
        *,
        address: str | None = None,
        user_agent: str | None = None,
    ) -> OpenSession:
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
                _digest(token),
                Session(
                    login.account_id,
                    csrf,
                    now + SESSION_LIFETIME,
                    device=device_label(user_agent)[:DEVICE_LABEL],
                    address=None if address is None else address[:ADDRESS],
                ),
                now,
            )
        return OpenSession(token, csrf, account)

    def session(self, token: str) -> OpenSession:
        """The account and CSRF token of a live session; refuses unknown or expired ones,
        and says why a session that was ended everywhere ended (``SessionEndedError``)."""
        with self._database.read() as connection:
            found = SessionRepository(connection).get(_digest(token))
            account = None if found is None else AccountRepository(connection).get(found.account_id)
        now = self._clock.now()
        if found is None or account is None or found.expires_at <= now:
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
        if found.last_seen_at is None or now - found.last_seen_at >= SEEN_EVERY:
            with self._database.write() as connection:
                SessionRepository(connection).seen(_digest(token), now)
        return OpenSession(token, found.csrf_token, account)

    def change_password(
        self, token: str, current: str, new: str, *, address: str | None = None
    ) -> OpenSession:
        """Change the password of the session's account, given its current one. Every
        session of the account ends (as ``set_password``), this one included: the caller
        gets a new session on the same device, so that a copy of the old cookie taken
        before the change (a shared computer, a proxy's log) opens nothing after it.
        Wrong current passwords count as failed logins (``LoginThrottle``): a stolen
        cookie must not become a way to guess the password without limit."""
        opened = self.session(token)
        now = self._clock.now()
        with self._database.read() as connection:
            login = LoginRepository(connection).of_account(opened.account.id)
            before = SessionRepository(connection).get(_digest(token))
        if login is None or before is None:
            raise NotFoundError("login", opened.account.id)
        self._throttle.attempt(login.username, address, now)
        try:
            self._hasher.verify(login.password_hash, current)
        except (VerificationError, InvalidHashError):
            raise AuthenticationError(
                "the current password is wrong; the password was not changed",
                hint="type the password you signed in with",
            ) from None
        _check_new_password(new, MIN_PASSWORD)
        if new == current:
            raise InvalidInputError(
                "the new password is the same as the current one",
                hint="choose a password you have not used here",
            )
        password_hash = self._hasher.hash(new)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._database.write() as connection:
            self._throttle.succeeded(connection, login.username, address)
            sessions = SessionRepository(connection)
            sessions.end_all(opened.account.id, SessionEnd.PASSWORD_CHANGED, now)
            LoginRepository(connection).set(
                Login(opened.account.id, login.username, password_hash), now
            )
            sessions.add(
                _digest(token),
                Session(
                    opened.account.id,
                    csrf,
                    now + SESSION_LIFETIME,
                    device=before.device,
                    address=before.address,
                ),
                now,
            )
        return OpenSession(token, csrf, opened.account)

    def devices(self, token: str) -> list[Device]:
        """The live sessions of the session's account, this one marked."""
        opened = self.session(token)
        mine = _digest(token)
        with self._database.read() as connection:
            found = SessionRepository(connection).live(opened.account.id, self._clock.now())
        return [
            Device(
                handle=device_handle(s.token_hash),
                label=s.device or "a device signed in before devices were recorded",
                address=s.address,
                signed_in_at=s.created_at,
                last_seen_at=s.last_seen_at,
                current=s.token_hash == mine,
            )
            for s in found
        ]

    def end_device(self, token: str, handle: str) -> Device:
        """End one live session of the session's own account, named by its handle; the
        same refusal for a handle of another account as for one that never existed."""
        opened = self.session(token)
        now = self._clock.now()
        with self._database.write() as connection:
            sessions = SessionRepository(connection)
            found = next(
                (
                    s
                    for s in sessions.live(opened.account.id, now)
                    if hmac.compare_digest(device_handle(s.token_hash), handle)
                ),
                None,
            )
            if found is None:
                raise NotFoundError(
                    "signed-in device",
                    handle[:16],
                    hint="it may have signed out or expired already; reload the list",
                )
            sessions.end(found.token_hash, SessionEnd.SIGNED_OUT_ELSEWHERE, now)
        return Device(
            handle=device_handle(found.token_hash),
            label=found.device or "a device",
            address=found.address,
            signed_in_at=found.created_at,
            last_seen_at=found.last_seen_at,
            current=found.token_hash == _digest(token),
        )

    def log_out(self, token: str) -> None:
        with self._database.write() as connection:
            SessionRepository(connection).remove(_digest(token))


def _checked_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise InvalidInputError(
            f"username {username!r} is not allowed",
            hint="2-64 characters: lower-case letters, digits, '.', '_' and '-'",
        )
    return username


def _check_new_password(password: str, min_length: int) -> None:
    if len(password) < min_length:
        raise InvalidInputError(f"a password needs at least {min_length} characters")


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
