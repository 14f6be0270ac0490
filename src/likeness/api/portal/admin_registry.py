"""Administration of the registry in the portal: list, add and edit performers (the
fields ``PerformerChanges`` allows: a legal name and date of birth stay as registered),
list and add productions (which the registry does not edit once added)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from likeness.api.portal.pages import Csrf, Session, back, page, problem, services_of
from likeness.bootstrap import Services
from likeness.domain.performer import Representative, RepresentativeCapacity
from likeness.domain.production import Agreement, ProductionKind
from likeness.errors import InvalidInputError, LikenessError
from likeness.services.access import require_role
from likeness.services.inputs import (
    PerformerChanges,
    PerformerInput,
    ProductionInput,
    parse_date,
)

router = APIRouter(include_in_schema=False)

CAPACITIES = [c.value for c in RepresentativeCapacity]
KINDS = [k.value for k in ProductionKind]
AGREEMENTS = [a.value for a in Agreement]


def _text(values: dict[str, str], name: str) -> str | None:
    return values.get(name, "").strip() or None


def _date(values: dict[str, str], name: str, label: str) -> date | None:
    given = _text(values, name)
    return None if given is None else parse_date(given, label)


def _representatives(values: dict[str, str]) -> tuple[Representative, ...]:
    """The one representative the form adds, if a name is given."""
    name = _text(values, "rep_name")
    if name is None:
        return ()
    try:
        capacity = RepresentativeCapacity(values.get("rep_capacity", ""))
    except ValueError:
        raise InvalidInputError(
            "choose in what capacity the representative acts",
            hint=f"one of {', '.join(CAPACITIES)}",
        ) from None
    return (Representative(name, capacity, _text(values, "rep_contact")),)


def _performers_view(services: Services) -> dict[str, Any]:
    performers = sorted(
        services.registry.list_performers(), key=lambda p: p.display_name.casefold()
    )
    return {"performers": performers, "capacities": CAPACITIES}


@router.get("/portal/admin/performers")
def performers_page(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account)
    return page(
        request,
        "admin_performers.html",
        session,
        error=None,
        values={},
        **_performers_view(services_of(request)),
    )


@router.post("/portal/admin/performers")
async def add_performer(request: Request, session: Csrf) -> Response:
    require_role(session.account)
    services = services_of(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        born = _date(values, "date_of_birth", "date of birth")
        if born is None:
            raise InvalidInputError("a performer needs a date of birth")
        data = PerformerInput(
            legal_name=values.get("legal_name", ""),
            date_of_birth=born,
            professional_name=_text(values, "professional_name"),
            union=_text(values, "union"),
            member_number=_text(values, "member_number"),
            date_of_death=_date(values, "date_of_death", "date of death"),
            domicile=_text(values, "domicile"),
            representatives=_representatives(values),
        )
        if not data.legal_name.strip():
            raise InvalidInputError("a performer needs a legal name")
        recorded = await run_in_threadpool(services.registry.add_performer, data)
    except LikenessError as exc:
        return page(
            request,
            "admin_performers.html",
            session,
            status=422,
            error=problem(exc),
            values=values,
            **_performers_view(services),
        )
    performer = recorded.value
    return back(
        f"/portal/admin/performers/{performer.id}",
        f"{performer.display_name} is registered (log entry {recorded.log_indexes[0]}).",
    )


@router.get("/portal/admin/performers/{performer_id}")
def performer_page(request: Request, performer_id: str, session: Session) -> HTMLResponse:
    require_role(session.account)
    performer = services_of(request).registry.get_performer(performer_id)
    return page(
        request,
        "admin_performer.html",
        session,
        error=None,
        performer=performer,
        values=_current(performer),
        capacities=CAPACITIES,
    )


def _current(performer: Any) -> dict[str, str]:
    """The edit form filled with what is registered now."""
    return {
        "professional_name": performer.professional_name or "",
        "union": performer.union or "",
        "member_number": performer.member_number or "",
        "domicile": performer.domicile or "",
        "date_of_death": "" if performer.date_of_death is None else str(performer.date_of_death),
    }


@router.post("/portal/admin/performers/{performer_id}")
async def edit_performer(request: Request, performer_id: str, session: Csrf) -> Response:
    require_role(session.account)
    registry = services_of(request).registry
    performer = registry.get_performer(performer_id)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        # An emptied field is cleared ("" reaches the registry, which stores None); a
        # date of death cannot be taken back once recorded, so an empty one is left as is.
        changes = PerformerChanges(
            professional_name=values.get("professional_name", ""),
            union=values.get("union", ""),
            member_number=values.get("member_number", ""),
            domicile=values.get("domicile", ""),
            date_of_death=_date(values, "date_of_death", "date of death"),
            add_representatives=_representatives(values),
        )
        recorded = await run_in_threadpool(registry.update_performer, performer_id, changes)
    except LikenessError as exc:
        return page(
            request,
            "admin_performer.html",
            session,
            status=422,
            error=problem(exc),
            performer=performer,
            values=values,
            capacities=CAPACITIES,
        )
    return back(
        f"/portal/admin/performers/{performer_id}",
        f"Saved {recorded.value.display_name} (log entry {recorded.log_indexes[0]}).",
    )


# -- productions -----------------------------------------------------------------------


def _productions_view(services: Services) -> dict[str, Any]:
    productions = sorted(services.registry.list_productions(), key=lambda p: p.title.casefold())
    return {"productions": productions, "kinds": KINDS, "agreements": AGREEMENTS}


@router.get("/portal/admin/productions")
def productions_page(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account)
    return page(
        request,
        "admin_productions.html",
        session,
        error=None,
        values={},
        **_productions_view(services_of(request)),
    )


@router.post("/portal/admin/productions")
async def add_production(request: Request, session: Csrf) -> Response:
    require_role(session.account)
    services = services_of(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        start = _date(values, "start_date", "start date")
        if start is None:
            raise InvalidInputError("a production needs a start date")
        try:
            kind = ProductionKind(values.get("kind", ""))
            agreement = Agreement(values.get("agreement", ""))
        except ValueError:
            raise InvalidInputError("choose the kind of production and its agreement") from None
        data = ProductionInput(
            title=values.get("title", ""),
            company=values.get("company", ""),
            kind=kind,
            agreement=agreement,
            start_date=start,
            end_date=_date(values, "end_date", "end date"),
            jurisdiction=_text(values, "jurisdiction"),
        )
        recorded = await run_in_threadpool(services.registry.add_production, data)
    except LikenessError as exc:
        return page(
            request,
            "admin_productions.html",
            session,
            status=422,
            error=problem(exc),
            values=values,
            **_productions_view(services),
        )
    return back(
        "/portal/admin/productions",
        f"{recorded.value.title} is registered (log entry {recorded.log_indexes[0]}).",
    )
