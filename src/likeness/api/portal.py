"""The portal: server-rendered pages (Jinja2, htmx) for performers, their representatives,
productions, auditors and admins.

Logins are username and password (argon2id); the session is an opaque HttpOnly cookie
(SameSite=Lax; Secure outside development or over HTTPS). Every state-changing request
must carry the session's CSRF token, as a form field or the ``X-CSRF-Token`` header that
htmx sends; the login form uses a double-submit cookie. Pages never call the JSON API:
they use the same services and the same access checks.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from likeness.api.present import scan_job_out
from likeness.api.uploads import save_uploads
from likeness.api.wording import describe_consent, describe_decision
from likeness.bootstrap import Services
from likeness.domain.account import Account, Role
from likeness.domain.consent import (
    CompensationBasis,
    CompensationTerms,
    Grantor,
    Modality,
    ReplicaKind,
    UseDescription,
    UseFacts,
)
from likeness.domain.lifecycle import ConsentRecord, ConsentRequest
from likeness.errors import (
    AuthenticationError,
    InvalidInputError,
    LikenessError,
    PermissionDeniedError,
)
from likeness.ledger.note import parse_verifier
from likeness.ledger.receipt import ReceiptError, parse_receipt, verify_receipt
from likeness.scan.report import report_html
from likeness.services.access import (
    PERFORMER_SIDE,
    require_party,
    require_production,
    require_role,
)
from likeness.services.logins import OpenSession, same_token
from likeness.services.scan_jobs import Upload
from likeness.services.scans import ScanOptions
from likeness.services.uses import UseReport
from likeness.settings import Environment
from likeness.store.shredding import shred_folder

SESSION_COOKIE = "ll_session"
LOGIN_CSRF_COOKIE = "ll_login_csrf"

templates = Jinja2Templates(directory=str(resources.files("likeness.api") / "templates"))
router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """No live session: the portal answers with a redirect to the login page."""


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _secure(request: Request) -> bool:
    return (
        _services(request).settings.environment is Environment.PRODUCTION
        or request.url.scheme == "https"
    )


def current_session(request: Request) -> OpenSession:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    try:
        return _services(request).logins.session(token)
    except AuthenticationError:
        raise LoginRequired from None


Session = Annotated[OpenSession, Depends(current_session)]


async def check_csrf(request: Request, session: Session) -> OpenSession:
    """Refuse a state-changing request without this session's CSRF token."""
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        field = form.get("csrf_token")
        given = field if isinstance(field, str) else None
    if not same_token(given, session.csrf_token):
        raise PermissionDeniedError(
            "the form's security token is missing or stale (CSRF protection)",
            hint="reload the page and submit the form again",
        )
    return session


Csrf = Annotated[OpenSession, Depends(check_csrf)]


def page(
    request: Request,
    name: str,
    session: OpenSession | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    context |= {
        "session": session,
        "account": None if session is None else session.account,
        "flash": request.query_params.get("flash"),
    }
    return templates.TemplateResponse(request, name, context, status_code=status)


def _back(url: str, flash: str) -> RedirectResponse:
    return RedirectResponse(f"{url}?flash={quote(flash)}", status_code=303)


# -- logging in and out ---------------------------------------------------------


@router.get("/")
def home(request: Request) -> RedirectResponse:
    return RedirectResponse("/portal" if request.cookies.get(SESSION_COOKIE) else "/login", 303)


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", None, csrf=token, error=None)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


@router.post("/login")
def log_in(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return page(
            request,
            "login.html",
            None,
            status=403,
            csrf=request.cookies.get(LOGIN_CSRF_COOKIE, ""),
            error="The form's security token is missing or stale. Reload the page and try again.",
        )
    try:
        opened = _services(request).logins.log_in(username, password)
    except AuthenticationError as exc:
        return page(request, "login.html", None, status=401, csrf=csrf_token, error=exc.message)
    response = RedirectResponse("/portal", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=12 * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def log_out(request: Request, session: Csrf) -> RedirectResponse:
    _services(request).logins.log_out(session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# -- dashboards -------------------------------------------------------------------


@router.get("/portal")
def dashboard(request: Request, session: Session) -> Response:
    services = _services(request)
    account = session.account
    if account.role in PERFORMER_SIDE:
        return page(request, "performer.html", session, **_performer_view(services, account))
    if account.role is Role.PRODUCTION:
        return page(request, "production.html", session, **_production_view(services, account))
    if account.role is Role.AUDITOR:
        return RedirectResponse("/portal/log", status_code=303)
    if account.role is Role.ADMIN:
        return page(request, "admin.html", session, **_admin_view(services))
    return page(request, "platform.html", session)


def _title(services: Services, production_id: str) -> str:
    return services.registry.get_production(production_id).title


def _name(services: Services, performer_id: str) -> str:
    person = services.registry.get_performer(performer_id)
    return person.professional_name or person.legal_name


def _consent_rows(services: Services, records: list[ConsentRecord]) -> list[dict[str, Any]]:
    today = services.clock.now().date()
    # only the productions and performers these consents name
    titles = {r.production_id: _title(services, r.production_id) for r in records}
    names = {r.performer_id: _name(services, r.performer_id) for r in records}
    return [
        {
            "id": r.id,
            "state": r.state_on(today),
            "production": titles[r.production_id],
            "performer": names[r.performer_id],
            "project": r.request.description.project,
            "purpose": r.request.description.purpose,
            "until": r.request.valid_until,
            "log_indexes": services.consents.log_indexes(r.id),
        }
        for r in records
    ]


def _performer_view(services: Services, account: Account) -> dict[str, Any]:
    assert account.performer_id is not None
    performer = services.registry.get_performer(account.performer_id)
    rows = _consent_rows(services, services.consents.find(performer_id=performer.id))
    uses = services.uses.recent(performer_id=performer.id, limit=200)
    today = services.clock.now().date()
    year = services.uses.statement(performer.id, date(today.year, 1, 1), date(today.year, 12, 31))
    earnings = {c: f"{a:.2f}" for c, a in sorted(year.totals.items())}
    flagged = services.scans.flags_for(performer.id)
    titles = {u.production_id: _title(services, u.production_id) for u in uses}
    titles |= {f.production_id: _title(services, f.production_id) for f in flagged}
    return {
        "performer": performer,
        "pending": [r for r in rows if r["state"] == "requested"],
        "active": [r for r in rows if r["state"] in ("granted", "suspended")],
        "past": [r for r in rows if r["state"] in ("denied", "revoked", "expired")],
        "uses": uses,
        "titles": titles,
        "earnings": earnings,
        "year": today.year,
        "flagged": flagged,
    }


def _production_view(services: Services, account: Account) -> dict[str, Any]:
    assert account.production_id is not None
    production = services.registry.get_production(account.production_id)
    uses = services.uses.recent(production_id=production.id, limit=200)
    names = {u.performer_id: _name(services, u.performer_id) for u in uses}
    return {
        "production": production,
        "consents": _consent_rows(services, services.consents.find(production_id=production.id)),
        "uses": uses,
        "names": names,
        "jobs": [scan_job_out(j) for j in services.scan_jobs.jobs(production.id)],
    }


def _admin_view(services: Services) -> dict[str, Any]:
    return {
        "home_status": services.status(),
        "consents": _consent_rows(services, services.consents.find()),
        "log_size": services.ledger.size(),
    }


# -- a consent: review and answer ---------------------------------------------------


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
    services = _services(request)
    production_id = account.production_id or values.get("production_id", "")
    try:
        require_production(account, production_id)
        terms = _consent_terms(values, modalities)
        recorded = await run_in_threadpool(
            services.consents.request, values.get("performer_id", "").strip(), production_id, terms
        )
    except (LikenessError, ValueError) as exc:
        message = exc.diagnostics() if isinstance(exc, LikenessError) else str(exc)
        return page(
            request,
            "consent_new.html",
            session,
            status=422,
            error=message,
            values=values | {"modalities": modalities},
        )
    return _back(f"/portal/consents/{recorded.value.id}", "Consent requested.")


def _lines(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(";", "\n").splitlines() if part.strip())


def _consent_terms(values: dict[str, str], modalities: list[str]) -> ConsentRequest:
    if not modalities:
        raise InvalidInputError("choose at least one of face, body or voice")
    amount = values.get("pay_amount", "").strip()
    basis = values.get("pay_basis", "").strip()
    try:
        money = Decimal(amount) if amount else None
    except InvalidOperation:
        raise InvalidInputError(f"the amount {amount!r} is not a number") from None
    return ConsentRequest(
        replica_kind=ReplicaKind(values.get("replica_kind", "")),
        modalities=frozenset(Modality(m) for m in modalities),
        description=UseDescription(
            project=values.get("project", "").strip(),
            purpose=values.get("purpose", "").strip(),
            character=values.get("character", "").strip() or None,
            scenes=_lines(values.get("scenes", "")),
            media=_lines(values.get("media", "")),
            territory=values.get("territory", "").strip(),
        ),
        valid_from=date.fromisoformat(values.get("valid_from", "")),
        valid_until=date.fromisoformat(values["valid_until"])
        if values.get("valid_until")
        else None,
        compensation=None
        if not basis
        else CompensationTerms(basis=CompensationBasis(basis), amount=money, currency="USD"),
    )


@router.get("/portal/consents/{consent_id}")
def consent_page(request: Request, consent_id: str, session: Session) -> HTMLResponse:
    services = _services(request)
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
        log_indexes=services.consents.log_indexes(record.id),
        can_answer=session.account.role in PERFORMER_SIDE,
    )


@router.post("/portal/consents/{consent_id}/{action}")
async def answer_consent(request: Request, consent_id: str, action: str, session: Csrf) -> Response:
    account = session.account
    services = _services(request)
    require_role(account, Role.PERFORMER, Role.REPRESENTATIVE)
    record = services.consents.get(consent_id)
    require_party(account, record.performer_id, "")
    if account.role is Role.ADMIN:
        raise PermissionDeniedError("administrators answer through the API, naming who signs")
    by = Grantor.PERFORMER if account.role is Role.PERFORMER else Grantor.REPRESENTATIVE
    signer = None if by is Grantor.PERFORMER else account.name
    form = await request.form()
    reason = str(form.get("reason", ""))[:500]
    consents = services.consents
    if action == "grant":
        if form.get("confirm") != "yes":
            return _back(f"/portal/consents/{consent_id}", "Tick the box to confirm you agree.")
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
    return _back(f"/portal/consents/{consent_id}", message)


# -- uses -------------------------------------------------------------------------


@router.get("/portal/uses/new")
def use_form(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account, Role.PRODUCTION)
    return page(request, "use_new.html", session, error=None, values={})


def _use_from(account: Account, values: dict[str, str], modalities: list[str]) -> UseReport:
    if not modalities:
        raise InvalidInputError("choose at least one of face, body or voice")
    production_id = account.production_id or values.get("production_id", "")
    require_production(account, production_id)
    try:
        days = Decimal(values.get("days", "1") or "1")
    except InvalidOperation:
        raise InvalidInputError("days must be a number") from None
    use = UseFacts(
        production_id=production_id,
        replica_kind=ReplicaKind(values.get("replica_kind", "")),
        modalities=frozenset(Modality(m) for m in modalities),
        purpose=values.get("purpose", "").strip(),
        date=date.fromisoformat(values.get("date", "")),
        scenes=_lines(values.get("scenes", "")),
        days_equivalent=days,
    )
    return UseReport(performer_id=values.get("performer_id", "").strip(), use=use)


async def _use_form_values(request: Request) -> tuple[dict[str, str], list[str]]:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    return values, [m for m in form.getlist("modality") if isinstance(m, str)]


@router.post("/portal/uses/preview")
async def preview_use(request: Request, session: Csrf) -> HTMLResponse:
    """An htmx fragment: what reporting this use would decide and cost."""
    require_role(session.account, Role.PRODUCTION)
    values, modalities = await _use_form_values(request)
    try:
        report = _use_from(session.account, values, modalities)
        decision = await run_in_threadpool(
            _services(request).uses.decide, report.performer_id, report.use
        )
    except (LikenessError, ValueError) as exc:
        message = exc.diagnostics() if isinstance(exc, LikenessError) else str(exc)
        return page(request, "_preview.html", session, decision=None, error=message)
    return page(
        request,
        "_preview.html",
        session,
        decision=decision,
        summary=describe_decision(decision),
        error=None,
    )


@router.post("/portal/uses")
async def report_use(request: Request, session: Csrf) -> Response:
    require_role(session.account, Role.PRODUCTION)
    values, modalities = await _use_form_values(request)
    try:
        report = _use_from(session.account, values, modalities)
        recorded = await run_in_threadpool(_services(request).uses.report, report)
    except (LikenessError, ValueError) as exc:
        message = exc.diagnostics() if isinstance(exc, LikenessError) else str(exc)
        return page(request, "use_new.html", session, status=422, error=message, values=values)
    decision = recorded.value.decision
    return _back("/portal", f"Use reported: {describe_decision(decision)}.")


# -- scans --------------------------------------------------------------------------


@router.get("/portal/scans")
def scans_page(request: Request, session: Session) -> HTMLResponse:
    account = session.account
    require_role(account, Role.PRODUCTION)
    jobs = _services(request).scan_jobs.jobs(account.production_id)
    return page(request, "scans.html", session, jobs=[scan_job_out(j) for j in jobs])


@router.post("/portal/scans")
async def submit_scan(
    request: Request,
    session: Csrf,
    files: Annotated[list[UploadFile], File()],
    purpose: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    account = session.account
    require_role(account, Role.PRODUCTION)
    jobs = _services(request).scan_jobs
    production_id = account.production_id or ""
    job_id, folder = jobs.new_job_folder()
    try:
        paths = await save_uploads(files, folder)
    except BaseException:
        shred_folder(folder)
        raise
    uploads = [Upload(f.filename or p.name, p) for f, p in zip(files, paths, strict=True)]
    jobs.submit(account, job_id, ScanOptions(production_id=production_id, purpose=purpose), uploads)
    return _back(f"/portal/scans/{job_id}", "Scan queued.")


@router.get("/portal/scans/{job_id}")
def scan_page(request: Request, job_id: str, session: Session) -> HTMLResponse:
    require_role(session.account, Role.PRODUCTION)
    job = _services(request).scan_jobs.get(session.account, job_id)
    name = "_scan_status.html" if request.headers.get("hx-request") else "scan.html"
    return page(request, name, session, job=scan_job_out(job), report=job.report)


@router.get("/portal/scans/{job_id}/report.html")
def scan_report(request: Request, job_id: str, session: Session) -> HTMLResponse:
    require_role(session.account, Role.PRODUCTION)
    job = _services(request).scan_jobs.get(session.account, job_id)
    if job.report is None:
        raise InvalidInputError(f"scan {job_id} is {job.status}; its report is not ready")
    return HTMLResponse(report_html(job.report))


# -- receipts and the log ----------------------------------------------------------------


def _own_indexes(services: Services, account: Account) -> set[int]:
    """The log entries recording the consents, uses and flags this account is party to."""
    performer_id = account.performer_id if account.role in PERFORMER_SIDE else None
    production_id = account.production_id if account.role is Role.PRODUCTION else None
    if performer_id is None and production_id is None:
        return set()
    found: set[int] = set()
    for record in services.consents.find(performer_id=performer_id, production_id=production_id):
        found.update(services.consents.log_indexes(record.id))
    for use in services.uses.recent(
        performer_id=performer_id, production_id=production_id, limit=10000
    ):
        found.add(use.log_index)
    if performer_id is not None:
        found.update(f.log_index for f in services.scans.flags_for(performer_id))
    return found


@router.get("/portal/receipts/{index}")
def download_receipt(request: Request, index: int, session: Session) -> Response:
    services = _services(request)
    sees_all = session.account.role in (Role.AUDITOR, Role.ADMIN)
    if not sees_all and index not in _own_indexes(services, session.account):
        raise PermissionDeniedError(
            f"log entry {index} does not record one of your consents, uses or flags"
        )
    receipt = services.ledger.receipt(index)
    return Response(
        receipt.dumps(),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="receipt-{index}.json"'},
    )


@router.post("/portal/receipts/verify")
async def verify_uploaded_receipt(
    request: Request, session: Csrf, file: Annotated[UploadFile, File()]
) -> HTMLResponse:
    """Check a receipt file against this log's public key, as 'likeness log verify-receipt'."""
    services = _services(request)
    data = await file.read(1024 * 1024)
    try:
        receipt = parse_receipt(data)
        checkpoint = verify_receipt(receipt, parse_verifier(services.ledger.verifier_key))
        result = {
            "ok": True,
            "message": f"Valid: entry {receipt.index} is in the log, under a checkpoint of "
            f"size {checkpoint.size} signed by {checkpoint.origin}.",
        }
    except (ReceiptError, ValueError) as exc:
        result = {"ok": False, "message": f"Not valid: {exc}"}
    return page(request, "_verify.html", session, result=result)


@router.get("/portal/log")
def log_page(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account, Role.AUDITOR)
    services = _services(request)
    return page(
        request,
        "log.html",
        session,
        size=services.ledger.size(),
        checkpoint=services.ledger.checkpoint(),
        verifier_key=services.ledger.verifier_key,
    )


@router.post("/portal/log/audit")
async def audit_log(request: Request, session: Csrf) -> HTMLResponse:
    require_role(session.account, Role.AUDITOR)
    report = await run_in_threadpool(_services(request).ledger.audit)
    return page(request, "_audit.html", session, report=report.to_json())


@router.get("/portal/webhooks")
def webhooks_page(request: Request, session: Session) -> HTMLResponse:
    services = _services(request)
    hooks = services.webhooks.webhooks(session.account)
    logs = {h.id: services.webhooks.deliveries(session.account, h.id) for h in hooks}
    return page(request, "webhooks.html", session, hooks=hooks, logs=logs)


def portal_error(request: Request, exc: LikenessError, status: int) -> HTMLResponse:
    session = None
    with contextlib.suppress(LoginRequired):
        session = current_session(request)
    return page(request, "error.html", session, status=status, message=exc.diagnostics())


def login_redirect(request: Request) -> Response:
    if request.headers.get("hx-request"):  # htmx follows this header, not a 303
        return Response(status_code=204, headers={"HX-Redirect": "/login"})
    return RedirectResponse("/login", status_code=303)


def is_portal(path: str) -> bool:
    return path == "/" or path.startswith(("/portal", "/login", "/logout"))
