"""Accounts, their roles and API keys."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from likeness.domain.account import Account, ApiKey, Role, SessionEnd
from likeness.domain.ids import AccountId, ApiKeyId, PerformerId, ProductionId
from likeness.errors import AuthenticationError, ConflictError, InvalidInputError, NotFoundError
from likeness.services.caching import VersionedCache
from likeness.services.logins import NewLogin
from likeness.services.ports import Clock, IdFactory
from likeness.store.change_counter import ChangeWatch, bump
from likeness.store.database import Database
from likeness.store.logins import Login, LoginRepository, SessionRepository
from likeness.store.repositories import (
    AccountRepository,
    PerformerRepository,
    ProductionRepository,
)

TOKEN_PREFIX = "llk"  # noqa: S105 - a public prefix, not a secret
_TOKEN = re.compile(rf"{TOKEN_PREFIX}_([0-9A-HJKMNP-TV-Z]{{26}})_([A-Za-z0-9_-]{{43}})")


@dataclass(frozen=True)
class IssuedKey:
    """A new API key: ``token`` is shown to its owner once and never stored."""

    key: ApiKey
    token: str


def _taken(username: str) -> ConflictError:
    return ConflictError(
        f"username {username!r} is taken by another account; no account was created",
        hint="choose another username",
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


class AccountService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ids: IdFactory,
        counter: Callable[[], Hashable] | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._counter = counter or ChangeWatch(database)
        # key id -> (key, account), valid while the change counter stands still
        self._keys: VersionedCache[tuple[ApiKey, Account]] = VersionedCache()

    def add_account(
        self,
        name: str,
        role: Role,
        *,
        performer_id: str | None = None,
        production_id: str | None = None,
        login: NewLogin | None = None,
    ) -> Account:
        """Create an account and, given ``login`` (``LoginService.new_login``), its portal
        login in the same transaction: an account is never left without the login it was
        made with, and of two requests for one username one gets the account and the
        other ``ConflictError`` with nothing created."""
        account = Account(
            id=AccountId(self._ids.new()),
            name=name.strip(),
            role=role,
            performer_id=None if performer_id is None else PerformerId(performer_id),
            production_id=None if production_id is None else ProductionId(production_id),
            created_at=self._clock.now(),
        )
        try:
            with self._database.write() as connection:
                if performer_id and not PerformerRepository(connection).exists(performer_id):
                    raise NotFoundError("performer", performer_id)
                if production_id and ProductionRepository(connection).get(production_id) is None:
                    raise NotFoundError("production", production_id)
                if login is not None and LoginRepository(connection).by_username(login.username):
                    raise _taken(login.username)
                AccountRepository(connection).add(account)
                if login is not None:
                    LoginRepository(connection).set(
                        Login(account.id, login.username, login.password_hash), account.created_at
                    )
        except IntegrityError as exc:  # the unique username, should writers ever interleave
            if login is None:
                raise
            raise _taken(login.username) from exc
        return account

    def list_accounts(self) -> list[Account]:
        with self._database.read() as connection:
            return AccountRepository(connection).all()

    def get_account(self, account_id: str) -> Account:
        with self._database.read() as connection:
            account = AccountRepository(connection).get(account_id)
        if account is None:
            raise NotFoundError("account", account_id, hint="'likeness account list' shows them")
        return account

    def set_disabled(
        self, account_id: str, disabled: bool, *, by: Account | None = None
    ) -> Account:
        """Disable an account (it can no longer sign in or use its keys, and every session
        of it ends at once, in every server process) or enable it again. ``by``: the
        account asking, if any; none may disable itself (the last admin would lock every
        admin out)."""
        if disabled and by is not None and by.id == account_id:
            raise ConflictError(
                "an account cannot disable itself",
                hint="ask another administrator, or use 'likeness account disable'",
            )
        now = self._clock.now()
        with self._database.write() as connection:
            repository = AccountRepository(connection)
            account = repository.get(account_id)
            if account is None:
                raise NotFoundError(
                    "account", account_id, hint="'likeness account list' shows them"
                )
            if account.disabled == disabled:
                state = "disabled" if disabled else "enabled"
                raise ConflictError(f"account {account_id} is already {state}")
            at = now if disabled else None
            repository.set_disabled(account_id, at)
            if disabled:
                SessionRepository(connection).end_all(account_id, SessionEnd.ACCOUNT_DISABLED, now)
            bump(connection)  # cached keys of this account are refused from the next request
        return dataclasses.replace(account, disabled_at=at)

    def set_role(
        self,
        account_id: str,
        role: Role,
        *,
        performer_id: str | None = None,
        production_id: str | None = None,
        by: Account | None = None,
    ) -> Account:
        """Give an account another role, with the tie that role needs (a performer for the
        performer and representative roles, a production for the production role, none
        otherwise). It applies from the account's next request, in every process: sessions
        read the account afresh and cached keys are dropped. ``by``: the account asking,
        if any; none may change its own role (the last admin would lock every admin out).
        """
        if by is not None and by.id == account_id:
            raise ConflictError(
                "an account cannot change its own role",
                hint="ask another administrator, or use the command line",
            )
        with self._database.write() as connection:
            repository = AccountRepository(connection)
            account = repository.get(account_id)
            if account is None:
                raise NotFoundError(
                    "account", account_id, hint="'likeness account list' shows them"
                )
            changed = dataclasses.replace(  # re-runs the role's tie checks
                account,
                role=role,
                performer_id=None if performer_id is None else PerformerId(performer_id),
                production_id=None if production_id is None else ProductionId(production_id),
            )
            if changed == account:
                raise ConflictError(f"account {account_id} already has this role and tie")
            if performer_id and not PerformerRepository(connection).exists(performer_id):
                raise NotFoundError("performer", performer_id)
            if production_id and ProductionRepository(connection).get(production_id) is None:
                raise NotFoundError("production", production_id)
            repository.set_role(changed)
            bump(connection)  # cached keys of this account carry its old role
        return changed

    def usernames(self) -> dict[str, str]:
        """The portal login name of each account that has one, by account id."""
        with self._database.read() as connection:
            logins = LoginRepository(connection)
            found = {a.id: logins.of_account(a.id) for a in AccountRepository(connection).all()}
        return {account: login.username for account, login in found.items() if login}

    def username(self, account_id: str) -> str | None:
        """One account's portal login name, if it has a login."""
        with self._database.read() as connection:
            login = LoginRepository(connection).of_account(account_id)
        return None if login is None else login.username

    def username_taken(self, username: str) -> bool:
        with self._database.read() as connection:
            return LoginRepository(connection).by_username(username.strip().lower()) is not None

    def create_api_key(
        self,
        account_id: str,
        label: str = "",
        *,
        expires_in: timedelta | None = None,
        keys_seen: int | None = None,
    ) -> IssuedKey:
        """A new key of the account. ``keys_seen``: how many keys the account had when
        the asking form was drawn; the key is made only if it still has that many (checked
        in the write transaction), so a form sent twice (a reload of the page answering
        it, a double click) makes one key, not a second live secret nobody saw."""
        if expires_in is not None and expires_in <= timedelta(0):
            raise InvalidInputError("an API key's lifetime must be positive")
        secret = secrets.token_urlsafe(32)
        now = self._clock.now()
        key = ApiKey(
            id=ApiKeyId(self._ids.new()),
            account_id=AccountId(account_id),
            label=label.strip(),
            secret_hash=_hash(secret),
            created_at=now,
            expires_at=None if expires_in is None else now + expires_in,
        )
        with self._database.write() as connection:
            repository = AccountRepository(connection)
            if repository.get(account_id) is None:
                raise NotFoundError(
                    "account", account_id, hint="'likeness account list' shows them"
                )
            held = len(repository.keys(account_id))
            if keys_seen is not None and held != keys_seen:
                raise ConflictError(
                    f"the account has {held} API key{'s' if held != 1 else ''} now, not the "
                    f"{keys_seen} it had when the form was shown: the form was sent again "
                    "(a reload?) or another key was made meanwhile; no key was created",
                    hint="see the account's keys on its page, and create one there if needed",
                )
            repository.add_key(key)
        return IssuedKey(key=key, token=f"{TOKEN_PREFIX}_{key.id}_{secret}")

    def revoke_api_key(self, key_id: str) -> ApiKey:
        """Revoke a key (refused from the next request, in every process) and sign its
        account out of the portal everywhere: a key is revoked because it may be in the
        wrong hands, and so may the sessions of whoever could read it."""
        now = self._clock.now()
        with self._database.write() as connection:
            repository = AccountRepository(connection)
            key = repository.get_key(key_id)
            if key is None:
                raise NotFoundError("API key", key_id, hint="'likeness apikey list' shows them")
            if key.revoked_at is not None:
                raise ConflictError(
                    f"API key {key_id} was already revoked at {key.revoked_at.isoformat()}"
                )
            repository.revoke_key(key_id, now)
            SessionRepository(connection).end_all(key.account_id, SessionEnd.KEY_REVOKED, now)
            bump(connection)
        return dataclasses.replace(key, revoked_at=now)

    def list_api_keys(self, account_id: str | None = None) -> list[ApiKey]:
        with self._database.read() as connection:
            return AccountRepository(connection).keys(account_id)

    def authenticate(self, token: str) -> Account:
        """The account a token belongs to. Malformed, unknown and wrong-secret tokens get
        one refusal; only the holder of a key's secret learns that it was revoked, has
        expired or belongs to a disabled account."""
        match = _TOKEN.fullmatch(token.strip())
        if match is None:
            raise AuthenticationError(
                "malformed API key", hint=f"keys look like {TOKEN_PREFIX}_<id>_<secret>"
            )
        key_id, secret = match.groups()
        version = self._counter()
        found = self._keys.get(key_id, version)
        if found is None:
            with self._database.read() as connection:
                repository = AccountRepository(connection)
                key = repository.get_key(key_id)
                account = None if key is None else repository.get(key.account_id)
                if key is not None and account is not None:
                    found = (key, account)
                    self._keys.put(key_id, version, found)
        if found is None or not hmac.compare_digest(found[0].secret_hash, _hash(secret)):
            raise AuthenticationError("API key is unknown or revoked")
        key, account = found
        if not key.active:
            raise AuthenticationError(
                f"API key {key.id} was revoked", hint="ask an administrator for a new key"
            )
        if account.disabled:
            raise AuthenticationError(
                "the account of this API key is disabled",
                hint="ask an administrator to enable it",
            )
        if not key.usable_at(self._clock.now()):
            assert key.expires_at is not None
            raise AuthenticationError(
                f"API key {key.id} expired at {key.expires_at.isoformat()}",
                hint="ask an administrator for a new key",
            )
        return account
