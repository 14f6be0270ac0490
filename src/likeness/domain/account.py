"""Accounts, their roles, and API keys (of which only a hash is kept)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from likeness.domain.ids import AccountId, ApiKeyId, PerformerId, ProductionId
from likeness.errors import InvalidInputError


class Role(StrEnum):
    PERFORMER = "performer"
    REPRESENTATIVE = "representative"
    PRODUCTION = "production"
    PLATFORM = "platform"
    AUDITOR = "auditor"
    ADMIN = "admin"


# Which registry record an account of each role must be tied to.
_NEEDS_PERFORMER = {Role.PERFORMER, Role.REPRESENTATIVE}
_NEEDS_PRODUCTION = {Role.PRODUCTION}


@dataclass(frozen=True)
class Account:
    id: AccountId
    name: str
    role: Role
    created_at: datetime
    performer_id: PerformerId | None = None
    production_id: ProductionId | None = None
    disabled_at: datetime | None = None  # disabled: no sign-in, no key, no session

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInputError("an account needs a name")
        needs_performer = self.role in _NEEDS_PERFORMER
        needs_production = self.role in _NEEDS_PRODUCTION
        if needs_performer != (self.performer_id is not None):
            raise InvalidInputError(
                f"a {self.role} account "
                + (
                    "must name the performer it acts for"
                    if needs_performer
                    else "cannot be tied to a performer"
                ),
                hint="use --performer ID only with the performer and representative roles",
            )
        if needs_production != (self.production_id is not None):
            raise InvalidInputError(
                f"a {self.role} account "
                + (
                    "must name its production"
                    if needs_production
                    else "cannot be tied to a production"
                ),
                hint="use --production ID only with the production role",
            )


class SessionEnd(StrEnum):
    """Why a session was ended before it expired: all of an account's at once ("signed out
    everywhere"), or one by its owner from another device."""

    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a password
    ACCOUNT_DISABLED = "account_disabled"
    KEY_REVOKED = "key_revoked"
    SIGNED_OUT_ELSEWHERE = "signed_out_elsewhere"  # its owner ended it from another device

    @property
    def message(self) -> str:
        """Said to the holder of an ended session's cookie: what happened, nothing more."""
        return {
            SessionEnd.PASSWORD_CHANGED: "this session ended: the password was changed",
            SessionEnd.ACCOUNT_DISABLED: "this session ended: the account was disabled",
            SessionEnd.KEY_REVOKED: "this session ended: an API key of the account was revoked",
            SessionEnd.SIGNED_OUT_ELSEWHERE: "this session ended: it was signed out from "
            "another device",
        }[self]


@dataclass(frozen=True)
class ApiKey:
    """An API key's record. The secret itself is shown once and never stored."""

    id: ApiKeyId
    account_id: AccountId
    label: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    expires_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def usable_at(self, now: datetime) -> bool:
        return self.active and (self.expires_at is None or now < self.expires_at)
