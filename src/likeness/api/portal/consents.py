"""Requesting a consent (productions), reviewing and answering it (performers)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from likeness.api.portal.labels import ERASED_PERFORMER, performer_name, performer_names
from likeness.api.portal.pages import (
    Csrf,
    Session,
    back,
    page,
    problem,
    services_of,
    split_lines,
)
from likeness.api.schemas import ConsentRequestIn
from likeness.api.wording import describe_consent
from likeness.bootstrap import Services
from likeness.domain.account import Role
from likeness.domain.consent import (
    Grantor,
)
from likeness.domain.performer import Performer
from likeness.errors import (
    InvalidInputError,
    LikenessError,
    PermissionDeniedError,
)
from likeness.services.access import (
    PERFORMER_SIDE,
    require_party,
    require_performer,
    require_production,
    require_role,
)
from likeness.services.inputs import parse_date
from likeness.services.logins import OpenSession
from likeness.services.performer_lookup import ExactQuery

router = APIRouter(include_in_schema=False)


@router.get("/portal/consents/new")
def consent_form(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account, Role.PRODUCTION)
    return _form_page(request, session, values={})


@router.post("/portal/consents/new/find")
async def find_performer(request: Request, session: Csrf) -> HTMLResponse:
    """Find one performer outside the production's consents by exact details (a union
    membership, or a name with the date of birth); the form then offers them."""
    account = session.account
    require_role(account, Role.PRODUCTION)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    registry = services_of(request).registry
    try:
        query = _lookup_query(values)
        found = await run_in_threadpool(lambda: registry.find_exact(query, asker=account.id))
    except LikenessError as exc:
        return _form_page(
            request, session, values={}, lookup=values, status=422, lookup_error=problem(exc)
        )
    if found is None:
        return _form_page(request, session, values={}, lookup=values, missed=True)
    return _form_page(
        request, session, values={"performer_id": found.id}, found=(found.id, _named(found))
    )


def found_token(session: OpenSession, performer_id: str) -> str:
    """Proof, carried in the form, that this session found ``performer_id`` by exact
    details: keyed by the session's secret CSRF token, so it cannot be made for an id read
    elsewhere (performer ids are public in the log) nor used from another session."""
    message = f"found-performer:{performer_id}".encode()
    return hmac.new(session.csrf_token.encode(), message, hashlib.sha256).hexdigest()


def _was_found(session: OpenSession, values: dict[str, str]) -> bool:
    chosen = values.get("performer_id", "")
    given = values.get("found_token", "")
    return bool(chosen) and hmac.compare_digest(given, found_token(session, chosen))


def _may_ask(services: Services, session: OpenSession, values: dict[str, str]) -> None:
    """A production asks only a performer it holds consents with or has just found by
    exact details: never one whose id it typed or read (that would browse the registry,
    and the consent page would show the name)."""
    account = session.account
    if account.role is Role.ADMIN or _was_found(session, values):
        return
    held = services.consents.find(production_id=account.production_id)
    if values.get("performer_id", "") not in {r.performer_id for r in held}:
        raise PermissionDeniedError(
            "choose the performer from the list, or find them by exact details first",
            hint="use '1. Who' to find a performer your production holds no consents with",
        )


def _lookup_query(values: dict[str, str]) -> ExactQuery:
    if values.get("by") == "membership":
        return ExactQuery.by_membership(values.get("union", ""), values.get("member_number", ""))
    born = values.get("date_of_birth", "").strip()
    day = parse_date(born, "date of birth") if born else None
    return ExactQuery.by_name(values.get("name", ""), day)


def _named(performer: Performer) -> str:
    return performer.professional_name or performer.legal_name


def _form_page(
    request: Request,
    session: OpenSession,
    *,
    values: dict[str, Any],
    status: int = 200,
    error: str | None = None,
    found: tuple[str, str] | None = None,
    lookup: dict[str, str] | None = None,
    lookup_error: str | None = None,
    missed: bool = False,
) -> HTMLResponse:
    """The request form: the performers the account may pick (those its production
    holds consents with; every registered one for an administrator), the one it has
    just found, and (for an administrator) the production it requests for."""
    services = services_of(request)
    account = session.account
    if account.role is Role.ADMIN:
        known: dict[str, str] = {p.id: _named(p) for p in services.registry.list_performers()}
        productions = sorted((p.title, p.id) for p in services.registry.list_productions())
    else:
        held = services.consents.find(production_id=account.production_id)
        known = performer_names(services, (r.performer_id for r in held))
        productions = []
    chosen = values.get("performer_id", "")
    if found is None and chosen and chosen not in known and _was_found(session, values):
        # the one found before, sent back with a refused request: still offered (only with
        # this session's proof that it found them: no name for an id typed or read)
        name = performer_name(services, chosen)
        found = None if name == ERASED_PERFORMER else (chosen, name)
    return page(
        request,
        "consent_new.html",
        session,
        status=status,
        error=error,
        values=values,
        known=sorted(((name, i) for i, name in known.items() if found is None or i != found[0])),
        found=found,
        found_proof=None if found is None else found_token(session, found[0]),
        productions=productions,
        lookup=lookup or {},
        lookup_error=lookup_error,
        missed=missed,
    )


@router.post("/portal/consents")
async def request_consent(request: Request, session: Csrf) -> Response:
    account = session.account
    require_role(account, Role.PRODUCTION)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    modalities = [m for m in form.getlist("modality") if isinstance(m, str)]
    services = services_of(request)
    production_id = account.production_id or values.get("production_id", "")
    try:
        require_production(account, production_id)
        _may_ask(services, session, values)
        body = _consent_form(values, modalities, production_id)
        recorded = await run_in_threadpool(
            services.consents.request, body.performer_id, production_id, body.to_request()
        )
    except (LikenessError, ValueError) as exc:
        return _form_page(
            request,
            session,
            status=422,
            error=problem(exc),
            values=values | {"modalities": modalities},
        )
    return back(f"/portal/consents/{recorded.value.id}", "Consent requested.")


def _consent_form(
    values: dict[str, str], modalities: list[str], production_id: str
) -> ConsentRequestIn:
    """The form as the API's request body, validated by the same model."""
    if not modalities:
        raise InvalidInputError("choose at least one of face, body or voice")
    basis = values.get("pay_basis", "").strip()
    return ConsentRequestIn.model_validate(
        {
            "performer_id": values.get("performer_id", "").strip(),
            "production_id": production_id,
            "replica_kind": values.get("replica_kind", ""),
            "modalities": modalities,
            "description": {
                "project": values.get("project", "").strip(),
                "purposes": _lines(values.get("purposes", "")),
                "character": values.get("character", "").strip() or None,
                "scenes": list(split_lines(values.get("scenes", ""))),
                "media": list(split_lines(values.get("media", ""))),
                "territory": values.get("territory", "").strip(),
            },
            "valid_from": values.get("valid_from", ""),
            "valid_until": values.get("valid_until") or None,
            "compensation": None
            if not basis
            else {"basis": basis, "amount": values.get("pay_amount", "").strip() or None},
        }
    )


def _lines(text: str) -> list[str]:
    """Each non-empty line, trimmed: a purpose may contain a semicolon, so unlike the
    other lists only a line break separates purposes."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.get("/portal/consents/{consent_id}")
def consent_page(request: Request, consent_id: str, session: Session) -> HTMLResponse:
    services = services_of(request)
    record = services.consents.get(consent_id)
    require_party(session.account, record.performer_id, record.production_id)
    production = services.registry.get_production(record.production_id)
    today = services.clock.now().date()
    return page(
        request,
        "consent.html",
        session,
        record=record,
        state=record.state_on(today),
        plain=describe_consent(record, production),
        production=production,
        performer_name=performer_name(services, record.performer_id),
        log_indexes=services.consents.log_indexes(record.id),
        can_answer=session.account.role in PERFORMER_SIDE,
    )


@router.post("/portal/consents/{consent_id}/{action}")
async def answer_consent(request: Request, consent_id: str, action: str, session: Csrf) -> Response:
    account = session.account
    services = services_of(request)
    require_role(account, Role.PERFORMER, Role.REPRESENTATIVE)
    record = services.consents.get(consent_id)
    require_performer(account, record.performer_id)
    if account.role is Role.ADMIN:
        raise PermissionDeniedError("administrators answer through the API, naming who signs")
    by = Grantor.PERFORMER if account.role is Role.PERFORMER else Grantor.REPRESENTATIVE
    signer = None if by is Grantor.PERFORMER else account.name
    form = await request.form()
    reason = str(form.get("reason", ""))[:500]
    consents = services.consents
    if action == "grant":
        if form.get("confirm") != "yes":
            return back(f"/portal/consents/{consent_id}", "Tick the box to confirm you agree.")
        await run_in_threadpool(
            lambda: consents.grant(
                consent_id, by=by, signer=signer, signed_separately=True, clear_and_conspicuous=True
            )
        )
        message = "Consent granted."
    elif action == "deny":
        await run_in_threadpool(
            lambda: consents.deny(consent_id, by=by, signer=signer, reason=reason)
        )
        message = "Consent denied."
    elif action == "revoke":
        await run_in_threadpool(
            lambda: consents.revoke(consent_id, by=by, signer=signer, reason=reason)
        )
        message = "Consent revoked: no use from today on is covered by it."
    else:
        raise InvalidInputError(f"unknown action {action!r}")
    return back(f"/portal/consents/{consent_id}", message)
