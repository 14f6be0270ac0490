"""Portal logins (argon2id hashes), sessions (token digests) and failed-login counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from likeness.domain.account import SessionEnd
from likeness.store.tables import login_throttle, logins, sessions


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
    ended: SessionEnd | None = None  # ended everywhere at once; the cookie is told why
    device: str | None = None  # a short label of the browser it was opened from
    address: str | None = None
    last_seen_at: datetime | None = None


@dataclass(frozen=True)
class LiveSession:
    """A live session as its owner sees it in their list of signed-in devices."""

    token_hash: str
    device: str | None
    address: str | None
    created_at: datetime
    last_seen_at: datetime | None
    expires_at: datetime


@dataclass(frozen=True)
class Failures:
    """Failed logins counted under one key (a username from an address, or an address)."""

    count: int
    last_at: datetime
    blocked_until: datetime | None


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

    def of_account(self, account_id: str) -> Login | None:
        row = self._db.execute(
            select(logins).where(logins.c.account_id == account_id)
        ).one_or_none()
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
                "device": session.device,
                "address": session.address,
                "last_seen_at": now,
            },
        )

    def get(self, token_hash: str) -> Session | None:
        row = self._db.execute(
            select(sessions).where(sessions.c.token_hash == token_hash)
        ).one_or_none()
        if row is None:
            return None
        ended = None if row.end_reason is None else SessionEnd(row.end_reason)
        return Session(
            row.account_id,
            row.csrf_token,
            row.expires_at,
            ended,
            row.device,
            row.address,
            row.last_seen_at,
        )

    def live(self, account_id: str, now: datetime) -> list[LiveSession]:
        """The account's sessions neither ended nor expired, the latest used first."""
        rows = self._db.execute(
            select(sessions)
            .where(
                sessions.c.account_id == account_id,
                sessions.c.ended_at.is_(None),
                sessions.c.expires_at > now,
            )
            .order_by(sessions.c.last_seen_at.desc(), sessions.c.created_at.desc())
        )
        return [
            LiveSession(
                row.token_hash,
                row.device,
                row.address,
                row.created_at,
                row.last_seen_at,
                row.expires_at,
            )
            for row in rows
        ]

    def seen(self, token_hash: str, now: datetime) -> None:
        self._db.execute(
            update(sessions).where(sessions.c.token_hash == token_hash).values(last_seen_at=now)
        )

    def end(self, token_hash: str, reason: SessionEnd, now: datetime) -> None:
        """End one session, kept until it expires so that its cookie is told why."""
        self._db.execute(
            update(sessions)
            .where(sessions.c.token_hash == token_hash, sessions.c.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason.value)
        )

    def end_all(self, account_id: str, reason: SessionEnd, now: datetime) -> None:
        """End every live session of an account (in every server process: sessions are
        read from the database on each request)."""
        self._db.execute(
            update(sessions)
            .where(sessions.c.account_id == account_id, sessions.c.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason.value)
        )

    def remove(self, token_hash: str) -> None:
        self._db.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def remove_expired(self, now: datetime) -> None:
        self._db.execute(delete(sessions).where(sessions.c.expires_at <= now))


class ThrottleRepository:
    """Failed-login counts by key digest, shared by every process using the database."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def get(self, key_hash: str) -> Failures | None:
        row = self._db.execute(
            select(login_throttle).where(login_throttle.c.key_hash == key_hash)
        ).one_or_none()
        return (
            None if row is None else Failures(row.failures, row.last_failure_at, row.blocked_until)
        )

    def put(self, key_hash: str, failures: Failures) -> None:
        values = {
            "failures": failures.count,
            "last_failure_at": failures.last_at,
            "blocked_until": failures.blocked_until,
        }
        changed = self._db.execute(
            update(login_throttle).where(login_throttle.c.key_hash == key_hash).values(**values)
        ).rowcount
        if not changed:
            self._db.execute(login_throttle.insert(), {"key_hash": key_hash, **values})

    def remove(self, key_hash: str) -> None:
        self._db.execute(delete(login_throttle).where(login_throttle.c.key_hash == key_hash))

    def forget_before(self, cutoff: datetime) -> None:
        self._db.execute(delete(login_throttle).where(login_throttle.c.last_failure_at < cutoff))
