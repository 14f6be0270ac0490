"""Requesting a consent (productions), reviewing and answering it (performers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from likeness.api.portal.labels import performer_name
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
from likeness.domain.account import Role
from likeness.domain.consent import (
    Grantor,
)
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

router = APIRouter(include_in_schema=False)


@router.get("/portal/consents/new")
def consent_form(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account, Role.PRODUCTION)
    return page(request, "consent_new.html", session, error=None, values={})


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
        body = _consent_form(values, modalities, production_id)
        recorded = await run_in_threadpool(
            services.consents.request, body.performer_id, production_id, body.to_request()
        )
    except (LikenessError, ValueError) as exc:
        message = problem(exc)
        return page(
            request,
            "consent_new.html",
            session,
            status=422,
            error=message,
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
