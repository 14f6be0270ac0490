"""Reporting a use under a consent the production holds, with a live cost preview.

The production picks the consent from a list (never types an id); the performer, the
replica kind and the offered modalities, purposes and scenes all come from that consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from likeness.api.errors import STATUS_BY_KIND
from likeness.api.portal.pages import (
    Csrf,
    Session,
    back,
    page,
    problem,
    services_of,
)
from likeness.api.schemas import UseIn
from likeness.api.wording import describe_decision
from likeness.bootstrap import Services
from likeness.domain.account import Account, Role
from likeness.domain.consent import ReplicaKind
from likeness.domain.lifecycle import ConsentRecord, Status
from likeness.domain.use import UseReport
from likeness.errors import (
    InvalidInputError,
    LikenessError,
    NotFoundError,
)
from likeness.services.access import (
    require_production,
    require_role,
)
from likeness.services.logins import OpenSession

router = APIRouter(include_in_schema=False)

ConsentId = Annotated[str, Query(max_length=64)]

KIND_WORDS = {
    ReplicaKind.EMPLOYMENT_BASED: "made from work on this production",
    ReplicaKind.INDEPENDENTLY_CREATED: "made from other material",
    ReplicaKind.DIGITAL_ALTERATION: "alteration of a recorded performance",
    ReplicaKind.BACKGROUND: "background actor replica",
    ReplicaKind.SYNTHETIC: "synthetic performer",
}


@dataclass(frozen=True)
class UseForm:
    """What the use form posted, kept as typed so a refused form comes back filled in."""

    consent_id: str
    performer_id: str
    purpose: str
    scenes: tuple[str, ...]
    note: str
    modalities: tuple[str, ...]
    date: str
    days: str

    def values(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "scenes": self.scenes,
            "note": self.note,
            "modalities": self.modalities,
            "date": self.date,
            "days": self.days,
        }


def held_consent(services: Services, account: Account, consent_id: str) -> ConsentRecord:
    """The granted consent ``consent_id`` held by the caller's production (any production's
    for an administrator). An unknown id, another production's consent and one not granted
    get one refusal, so the answer tells nothing about consents the caller does not hold."""
    try:
        record: ConsentRecord | None = services.consents.get(consent_id)
    except NotFoundError:
        record = None
    theirs = record is not None and (
        account.role is Role.ADMIN or record.production_id == account.production_id
    )
    if record is None or not theirs or record.status is not Status.GRANTED:
        raise NotFoundError(
            "consent",
            consent_id,
            hint="choose one of your production's granted consents from the list",
        )
    return record


def _held_or_none(services: Services, account: Account, consent_id: str) -> ConsentRecord | None:
    """The chosen consent to show again with a refused form, if it is one the caller holds."""
    try:
        return held_consent(services, account, consent_id) if consent_id else None
    except NotFoundError:
        return None


def _performer_name(services: Services, performer_id: str) -> str:
    person = services.registry.get_performer(performer_id)
    return person.professional_name or person.legal_name


def _term(record: ConsentRecord) -> str:
    until = record.request.valid_until
    return f"{record.request.valid_from} to {until or 'no end date'}"


def _choices(services: Services, account: Account) -> list[dict[str, str]]:
    """The consents a use may rely on, each labelled for a person (ids are only values)."""
    production_id = None if account.role is Role.ADMIN else account.production_id
    today = services.clock.now().date()
    held = services.consents.held(production_id)
    names = {r.performer_id: _performer_name(services, r.performer_id) for r in held}
    choices = []
    for r in held:
        state = r.state_on(today)
        label = (
            f"{names[r.performer_id]}: {r.request.description.project}, "
            f"{KIND_WORDS[r.request.replica_kind]}, {_term(r)}"
        )
        choices.append({"id": r.id, "label": label if state == "granted" else f"{label} ({state})"})
    return choices


def _consent_view(services: Services, record: ConsentRecord) -> dict[str, Any]:
    """What the form shows of the chosen consent: the things a use picks from."""
    r = record.request
    return {
        "id": record.id,
        "performer_id": record.performer_id,
        "performer": _performer_name(services, record.performer_id),
        "project": r.description.project,
        "kind": KIND_WORDS[r.replica_kind],
        "term": _term(record),
        "modalities": sorted(m.value for m in r.modalities),
        "purposes": r.description.purposes,
        "scenes": r.description.scenes,
    }


def _form_page(
    request: Request,
    session: OpenSession,
    chosen: ConsentRecord | None,
    *,
    values: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    services = services_of(request)
    return page(
        request,
        "use_new.html",
        session,
        status=status,
        choices=_choices(services, session.account),
        chosen=None if chosen is None else _consent_view(services, chosen),
        values=values,
        error=error,
    )


@router.get("/portal/uses/new")
def use_form(request: Request, session: Session, consent_id: ConsentId = "") -> HTMLResponse:
    """The form; with ``?consent_id=`` the consent's fields are filled in server-side (the
    form works without JavaScript)."""
    require_role(session.account, Role.PRODUCTION)
    services = services_of(request)
    chosen = held_consent(services, session.account, consent_id) if consent_id else None
    return _form_page(request, session, chosen, values={})


@router.get("/portal/uses/consent-fields")
def consent_fields(request: Request, session: Session, consent_id: ConsentId = "") -> HTMLResponse:
    """An htmx fragment: the chosen consent's performer, modalities, purposes and scenes."""
    require_role(session.account, Role.PRODUCTION)
    services = services_of(request)
    chosen = held_consent(services, session.account, consent_id) if consent_id else None
    view = None if chosen is None else _consent_view(services, chosen)
    return page(request, "_use_consent_fields.html", session, chosen=view, values={}, fresh=True)


async def _posted(request: Request) -> UseForm:
    form = await request.form()

    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def chosen(name: str) -> tuple[str, ...]:
        return tuple(v for v in form.getlist(name) if isinstance(v, str))

    return UseForm(
        consent_id=text("consent_id"),
        performer_id=text("performer_id"),
        purpose=text("purpose"),
        scenes=chosen("scene"),
        note=text("note"),
        modalities=chosen("modality"),
        date=text("date"),
        days=text("days"),
    )


def _report(services: Services, account: Account, posted: UseForm) -> UseReport:
    """The posted form as the API's use under the chosen consent, validated by the same
    model. The performer and replica kind are the consent's, whatever the client sent."""
    if not posted.consent_id:
        raise InvalidInputError("choose the consent the use relies on")
    record = held_consent(services, account, posted.consent_id)
    if posted.performer_id and posted.performer_id != record.performer_id:
        raise InvalidInputError(
            "the performer sent with the form is not the performer of the chosen consent",
            hint="reload the form and choose the consent again",
        )
    require_production(account, record.production_id)
    if not posted.modalities:
        raise InvalidInputError("choose at least one of face, body or voice")
    use = UseIn.model_validate(
        {
            "production_id": record.production_id,
            "replica_kind": record.request.replica_kind,
            "modalities": list(posted.modalities),
            "purpose": posted.purpose,
            "note": posted.note,
            "date": posted.date,
            "scenes": list(posted.scenes),
            "days_equivalent": posted.days or "1",
        }
    )
    return UseReport(performer_id=record.performer_id, use=use.to_facts(), consent_id=record.id)


def _status(exc: Exception) -> int:
    return STATUS_BY_KIND[exc.kind] if isinstance(exc, LikenessError) else 422


@router.post("/portal/uses/preview")
async def preview_use(request: Request, session: Csrf) -> HTMLResponse:
    """An htmx fragment: what reporting this use would decide and cost."""
    require_role(session.account, Role.PRODUCTION)
    posted = await _posted(request)
    services = services_of(request)
    try:
        report = _report(services, session.account, posted)
        decision = await run_in_threadpool(
            services.uses.decide, report.performer_id, report.use, relied_on=report.consent_id
        )
    except (LikenessError, ValueError) as exc:
        message = problem(exc)
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
    posted = await _posted(request)
    services = services_of(request)
    try:
        report = _report(services, session.account, posted)
        recorded = await run_in_threadpool(services.uses.report, report)
    except (LikenessError, ValueError) as exc:
        return _form_page(
            request,
            session,
            _held_or_none(services, session.account, posted.consent_id),
            values=posted.values(),
            error=problem(exc),
            status=_status(exc),
        )
    decision = recorded.value.decision
    return back("/portal", f"Use reported: {describe_decision(decision)}.")
