"""Reporting a use, with a live cost preview."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from likeness.api.portal.pages import (
    Csrf,
    Session,
    back,
    page,
    problem,
    services_of,
    split_lines,
)
from likeness.api.schemas import UseIn
from likeness.api.wording import describe_decision
from likeness.domain.account import Account, Role
from likeness.domain.use import UseReport
from likeness.errors import (
    InvalidInputError,
    LikenessError,
)
from likeness.services.access import (
    require_production,
    require_role,
)

router = APIRouter(include_in_schema=False)


@router.get("/portal/uses/new")
def use_form(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account, Role.PRODUCTION)
    return page(request, "use_new.html", session, error=None, values={})


def _use_from(account: Account, values: dict[str, str], modalities: list[str]) -> UseReport:
    """The form as the API's use, validated by the same model."""
    if not modalities:
        raise InvalidInputError("choose at least one of face, body or voice")
    production_id = account.production_id or values.get("production_id", "")
    require_production(account, production_id)
    use = UseIn.model_validate(
        {
            "production_id": production_id,
            "replica_kind": values.get("replica_kind", ""),
            "modalities": modalities,
            "purpose": values.get("purpose", "").strip(),
            "date": values.get("date", ""),
            "scenes": list(split_lines(values.get("scenes", ""))),
            "days_equivalent": values.get("days", "") or "1",
        }
    )
    return UseReport(performer_id=values.get("performer_id", "").strip(), use=use.to_facts())


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
            services_of(request).uses.decide, report.performer_id, report.use
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
    values, modalities = await _use_form_values(request)
    try:
        report = _use_from(session.account, values, modalities)
        recorded = await run_in_threadpool(services_of(request).uses.report, report)
    except (LikenessError, ValueError) as exc:
        message = problem(exc)
        return page(request, "use_new.html", session, status=422, error=message, values=values)
    decision = recorded.value.decision
    return back("/portal", f"Use reported: {describe_decision(decision)}.")
