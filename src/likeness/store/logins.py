"""Portal logins (argon2id hashes) and sessions (token digests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from likeness.store.tables import logins, sessions


@dataclass(frozen=True)
class Login:
    account_id: str
    username: str
    password_hash: str


@dataclass(frozen=True)
class Session:
    account_id: str
    csrf_token: str
    expires_at: datetime


class LoginRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def set(self, login: Login, now: datetime) -> None:
        self._db.execute(delete(logins).where(logins.c.account_id == login.account_id))
        self._db.execute(
            logins.insert(),
            {
                "account_id": login.account_id,
                "username": login.username,
                "password_hash": login.password_hash,
                "created_at": now,
                "updated_at": now,
            },
        )

    def by_username(self, username: str) -> Login | None:
        row = self._db.execute(select(logins).where(logins.c.username == username)).one_or_none()
        return None if row is None else Login(row.account_id, row.username, row.password_hash)

    def rehash(self, account_id: str, password_hash: str, now: datetime) -> None:
        self._db.execute(
            update(logins)
            .where(logins.c.account_id == account_id)
            .values(password_hash=password_hash, updated_at=now)
        )


class SessionRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, token_hash: str, session: Session, now: datetime) -> None:
        self._db.execute(
            sessions.insert(),
            {
                "token_hash": token_hash,
                "account_id": session.account_id,
                "csrf_token": session.csrf_token,
                "created_at": now,
                "expires_at": session.expires_at,
            },
        )

    def get(self, token_hash: str) -> Session | None:
        row = self._db.execute(
            select(sessions).where(sessions.c.token_hash == token_hash)
        ).one_or_none()
        return None if row is None else Session(row.account_id, row.csrf_token, row.expires_at)

    def remove(self, token_hash: str) -> None:
        self._db.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def remove_expired(self, now: datetime) -> None:
        self._db.execute(delete(sessions).where(sessions.c.expires_at <= now))
