"""Who may do what: the roles of the service and the records each may reach.

Roles (docs/api.md has the full matrix):

- performer: their own performer record, consents, uses, statements, receipts;
- representative: the same, for the performer their account acts for;
- production: its own consent requests, consents, uses, scans and checks;
- platform: checks and scans only (an AI-generation service asking before it generates);
- auditor: the log and aggregate counts, no personal records;
- admin: everything.

Each check raises ``PermissionDeniedError`` with a message saying what is missing.
"""

from __future__ import annotations

from likeness.domain.account import Account, Role
from likeness.domain.decision import Audience
from likeness.errors import PermissionDeniedError

PERFORMER_SIDE = frozenset({Role.PERFORMER, Role.REPRESENTATIVE})


def require_role(account: Account, *roles: Role) -> None:
    if account.role is Role.ADMIN or account.role in roles:
        return
    allowed = ", ".join(sorted({r.value for r in (*roles, Role.ADMIN)}))  # admin once
    raise PermissionDeniedError(
        f"a {account.role.value} account may not do this (allowed: {allowed})"
    )


def require_performer(account: Account, performer_id: str) -> None:
    """Reading or acting on a performer's own records."""
    if account.role is Role.ADMIN:
        return
    if account.role in PERFORMER_SIDE and account.performer_id == performer_id:
        return
    # No id in the message: the id may have come from a record (a consent's performer),
    # and a refusal must not tell who is behind it.
    raise PermissionDeniedError(
        "these records belong to another performer (and their representatives)"
    )


def require_production(account: Account, production_id: str) -> None:
    """Acting for a production: requesting consent, reporting uses, scanning."""
    if account.role in (Role.ADMIN, Role.PLATFORM):
        return
    if account.role is Role.PRODUCTION and account.production_id == production_id:
        return
    # Callers pass the production the request named, never one read from a record.
    raise PermissionDeniedError(f"this account does not act for production {production_id}")


def require_party(account: Account, performer_id: str, production_id: str) -> None:
    """A consent or use is visible to its performer's side and its production."""
    if account.role is Role.ADMIN:
        return
    if account.role in PERFORMER_SIDE and account.performer_id == performer_id:
        return
    if account.role is Role.PRODUCTION and account.production_id == production_id:
        return
    raise PermissionDeniedError("this record belongs to another performer or production")


def visible_scope(account: Account) -> tuple[str | None, str | None]:
    """(performer_id, production_id) filters for lists; (None, None) means everything."""
    if account.role in PERFORMER_SIDE:
        return account.performer_id, None
    if account.role is Role.PRODUCTION:
        return None, account.production_id
    if account.role is Role.ADMIN:
        return None, None
    raise PermissionDeniedError(f"a {account.role.value} account has no personal records to list")


def audience_of(account: Account) -> Audience:
    """How much of a decision about a production's use this account may read: a platform
    acts for no production, so it is an outsider to every consent (``Audience``). The
    other roles that may ask have passed ``require_production`` for the use's production."""
    return Audience.OUTSIDER if account.role is Role.PLATFORM else Audience.PARTY
