"""Administration pages: accounts and their API keys (admins only). Performers and
productions (admin_registry.py), webhooks and retention (admin_operations.py) hang
below /portal/admin too. Every page and action checks the role on the server; a secret
(a generated password, an API key) is shown once, on the page that answers the form,
never in a URL."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from likeness.api.portal import admin_operations, admin_registry
from likeness.api.portal.labels import performer_names, production_titles
from likeness.api.portal.pages import Csrf, Session, back, page, problem, services_of
from likeness.bootstrap import Services
from likeness.domain.account import Account, ApiKey, Role
from likeness.errors import ConflictError, InvalidInputError, LikenessError
from likeness.services.access import PERFORMER_SIDE, require_role
from likeness.services.logins import MIN_PASSWORD, USERNAME

router = APIRouter(include_in_schema=False)
router.include_router(admin_registry.router)
router.include_router(admin_operations.router)

NO_STORE = {"Cache-Control": "no-store"}  # a page holding a secret stays out of caches
ROLE_NAMES = {
    Role.PERFORMER: "Performer",
    Role.REPRESENTATIVE: "Representative of a performer",
    Role.PRODUCTION: "Production",
    Role.PLATFORM: "Platform",
    Role.AUDITOR: "Auditor",
    Role.ADMIN: "Administrator",
}


def require_admin(account: Account) -> None:
    """Only an administrator; the refusal names the role that may."""
    require_role(account)


@router.get("/portal/admin")
def admin_hub(request: Request, session: Session) -> HTMLResponse:
    require_admin(session.account)
    return page(request, "admin_hub.html", session, home_status=services_of(request).status())


# -- accounts --------------------------------------------------------------------------


def _choices(services: Services) -> dict[str, Any]:
    """What an account may be tied to: admins may browse the whole registry."""
    performers = sorted(
        services.registry.list_performers(),
        key=lambda p: (p.professional_name or p.legal_name).casefold(),
    )
    productions = sorted(services.registry.list_productions(), key=lambda p: p.title.casefold())
    return {"performers": performers, "productions": productions, "roles": ROLE_NAMES}


def _accounts_view(services: Services) -> dict[str, Any]:
    accounts = services.accounts.list_accounts()
    return {
        "accounts": sorted(accounts, key=lambda a: (a.disabled, a.name.casefold())),
        "usernames": services.accounts.usernames(),
        "names": performer_names(services, (a.performer_id for a in accounts)),
        "titles": production_titles(services, (a.production_id for a in accounts)),
        **_choices(services),
    }


def _tie(values: dict[str, str], role: Role) -> dict[str, str | None]:
    """The tie the role needs, from the pickers (the other picker is ignored)."""
    performer = values.get("performer_id", "").strip() or None
    production = values.get("production_id", "").strip() or None
    if role in PERFORMER_SIDE:
        if performer is None:
            raise InvalidInputError(
                f"a {role.value} account acts for a performer",
                hint="choose the performer in 'Performer it acts for'",
            )
        return {"performer_id": performer, "production_id": None}
    if role is Role.PRODUCTION:
        if production is None:
            raise InvalidInputError(
                "a production account belongs to a production",
                hint="choose it in 'Production it belongs to'",
            )
        return {"performer_id": None, "production_id": production}
    return {"performer_id": None, "production_id": None}


def _role(values: dict[str, str]) -> Role:
    try:
        return Role(values.get("role", ""))
    except ValueError:
        raise InvalidInputError("choose a role for the account") from None


def _login(services: Services, values: dict[str, str]) -> tuple[str, str, bool]:
    """The username and password of a new account, checked before anything is stored;
    an empty password is generated (and said to be, so the page shows it once)."""
    username = values.get("username", "").strip().lower()
    if not USERNAME.fullmatch(username):
        raise InvalidInputError(
            f"username {username!r} is not allowed",
            hint="2-64 characters: lower-case letters, digits, '.', '_' and '-'",
        )
    if services.accounts.username_taken(username):
        raise ConflictError(
            f"username {username!r} is taken by another account", hint="choose another one"
        )
    password = values.get("password", "")
    if not password:
        return username, secrets.token_urlsafe(15), True
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(
            f"a password needs at least {MIN_PASSWORD} characters",
            hint="type a longer one, or leave it empty to have one generated",
        )
    return username, password, False


@router.get("/portal/admin/accounts")
def accounts_page(request: Request, session: Session) -> HTMLResponse:
    require_admin(session.account)
    services = services_of(request)
    return page(
        request, "admin_accounts.html", session, error=None, values={}, **_accounts_view(services)
    )


@router.post("/portal/admin/accounts")
async def create_account(request: Request, session: Csrf) -> Response:
    require_admin(session.account)
    services = services_of(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}

    def create() -> tuple[Account, str, bool]:
        role = _role(values)
        tie = _tie(values, role)
        username, password, generated = _login(services, values)
        login = services.logins.new_login(username, password)  # argon2 first, outside the lock
        # The account and its login in one transaction: of two forms sent at once with one
        # username, one creates both and the other is refused, leaving nothing behind.
        account = services.accounts.add_account(values.get("name", ""), role, **tie, login=login)
        return account, password, generated

    try:
        account, password, generated = await run_in_threadpool(create)
    except LikenessError as exc:
        kept = {k: v for k, v in values.items() if k != "password"}  # never echoed back
        return page(
            request,
            "admin_accounts.html",
            session,
            status=422,
            error=problem(exc),
            values=kept,
            **_accounts_view(services),
        )
    return _no_store(
        page(
            request,
            "admin_account_created.html",
            session,
            created=account,
            username=values.get("username", "").strip().lower(),
            password=password if generated else None,
        )
    )


def _account_view(services: Services, account_id: str) -> dict[str, Any]:
    account = services.accounts.get_account(account_id)
    keys = sorted(
        services.accounts.list_api_keys(account.id), key=lambda k: k.created_at, reverse=True
    )
    return {
        "target": account,
        "username": services.accounts.username(account.id),
        "tied_performer": performer_names(services, [account.performer_id]),
        "tied_production": production_titles(services, [account.production_id]),
        "keys": keys,
        "now": services.clock.now(),
        **_choices(services),
    }


@router.get("/portal/admin/accounts/{account_id}")
def account_page(request: Request, account_id: str, session: Session) -> HTMLResponse:
    require_admin(session.account)
    services = services_of(request)
    return page(
        request,
        "admin_account.html",
        session,
        error=None,
        values={},
        **_account_view(services, account_id),
    )


@router.post("/portal/admin/accounts/{account_id}/role")
async def set_role(request: Request, account_id: str, session: Csrf) -> Response:
    require_admin(session.account)
    services = services_of(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}

    def change() -> Account:
        role = _role(values)
        return services.accounts.set_role(
            account_id, role, **_tie(values, role), by=session.account
        )

    try:
        changed = await run_in_threadpool(change)
    except LikenessError as exc:
        return page(
            request,
            "admin_account.html",
            session,
            status=422,
            error=problem(exc),
            values=values,
            **_account_view(services, account_id),
        )
    return back(
        f"/portal/admin/accounts/{account_id}",
        f"{changed.name} is now: {ROLE_NAMES[changed.role]}. It applies from their next request.",
    )


@router.post("/portal/admin/accounts/{account_id}/disable")
async def disable_account(request: Request, account_id: str, session: Csrf) -> Response:
    return await _set_disabled(request, account_id, session, disabled=True)


@router.post("/portal/admin/accounts/{account_id}/enable")
async def enable_account(request: Request, account_id: str, session: Csrf) -> Response:
    return await _set_disabled(request, account_id, session, disabled=False)


async def _set_disabled(
    request: Request, account_id: str, session: Csrf, *, disabled: bool
) -> Response:
    require_admin(session.account)
    accounts = services_of(request).accounts
    url = f"/portal/admin/accounts/{account_id}"
    try:
        account = await run_in_threadpool(
            lambda: accounts.set_disabled(account_id, disabled, by=session.account)
        )
    except LikenessError as exc:
        return back(url, f"Not changed: {problem(exc)}")
    if disabled:
        return back(
            url,
            f"{account.name} is disabled: signed out everywhere, its API keys refused, "
            "and it cannot log in until enabled again.",
        )
    return back(url, f"{account.name} is enabled again; it may log in.")


# -- API keys --------------------------------------------------------------------------


@router.post("/portal/admin/accounts/{account_id}/keys")
async def create_key(request: Request, account_id: str, session: Csrf) -> Response:
    require_admin(session.account)
    services = services_of(request)
    form = await request.form()
    label = form.get("label")
    label = label if isinstance(label, str) else ""
    try:
        account = services.accounts.get_account(account_id)
        seen = _keys_seen(form.get("keys_seen"))
        issued = await run_in_threadpool(
            lambda: services.accounts.create_api_key(account.id, label, keys_seen=seen)
        )
    except LikenessError as exc:
        return back(f"/portal/admin/accounts/{account_id}", f"No key created: {problem(exc)}")
    return _no_store(
        page(request, "admin_key_created.html", session, target=account, issued=issued)
    )


@router.post("/portal/admin/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: str, session: Csrf) -> Response:
    require_admin(session.account)
    services = services_of(request)
    known: dict[str, ApiKey] = {k.id: k for k in services.accounts.list_api_keys()}
    url = (
        f"/portal/admin/accounts/{known[key_id].account_id}"
        if key_id in known
        else "/portal/admin/accounts"
    )
    try:
        key = await run_in_threadpool(services.accounts.revoke_api_key, key_id)
    except LikenessError as exc:
        return back(url, f"Not revoked: {problem(exc)}")
    return back(
        url,
        f"API key {_key_label(key)} revoked: it is refused from now on, and the account's "
        "portal sessions ended.",
    )


def _keys_seen(value: object) -> int:
    """The count of keys the form was drawn with: a resent form makes no second key."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise InvalidInputError(
        "the form does not say how many keys the account had when it was shown",
        hint="reload the account's page and create the key from there",
    )


def _key_label(key: ApiKey) -> str:
    """How a flash names a key: its label, else its creation time (no bare id)."""
    made = key.created_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"'{key.label}' (created {made})" if key.label else f"created {made}"


def _no_store(response: HTMLResponse) -> HTMLResponse:
    response.headers.update(NO_STORE)
    return response
