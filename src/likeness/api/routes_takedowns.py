"""``/v1/takedowns``: takedown notices drafted from a flag, and the steps a person records
(the service sends nothing). The performer's side and admins only (docs/enforcement.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from likeness.api.deps import Caller, JsonBody, ServicesDep
from likeness.api.errors import ERROR_RESPONSES
from likeness.api.notice_page import notice_html
from likeness.api.present import notice_json, takedown_json
from likeness.api.schemas import NoticeOut, TakedownIn, TakedownOut, TakedownStepIn
from likeness.domain.account import Role
from likeness.services.access import require_role
from likeness.services.takedowns import NoticeBundle

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES)

# Who may draft, read and track notices: the flag's performer side (checked against the
# flag or notice by the service) and admins.
_OWNERS = (Role.PERFORMER, Role.REPRESENTATIVE)


def _notice(bundle: NoticeBundle) -> dict[str, Any]:
    return {"takedown": takedown_json(bundle.takedown), **notice_json(bundle)}


@router.post(
    "/takedowns",
    response_model=NoticeOut,
    status_code=201,
    tags=["takedowns"],
    dependencies=[JsonBody],
)
def draft_notice(body: TakedownIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """Draft a notice for a flagged appearance: 404 for an unknown flag, 403 for another
    performer's, 409 for an appearance a consent covers (the reason in the message)."""
    require_role(caller, *_OWNERS)
    bundle = services.takedowns.draft(
        caller, body.flag_id, body.location, contact=body.contact, signer=body.signer
    )
    return _notice(bundle)


@router.get("/takedowns", response_model=list[TakedownOut], tags=["takedowns"])
def list_notices(caller: Caller, services: ServicesDep) -> list[dict[str, Any]]:
    """The caller's performer's notices (an admin: everyone's), newest first."""
    require_role(caller, *_OWNERS)
    return [takedown_json(t) for t in services.takedowns.listed(caller)]


@router.get("/takedowns/{takedown_id}", response_model=NoticeOut, tags=["takedowns"])
def get_notice(takedown_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """The notice, its state and receipts against the latest checkpoint."""
    require_role(caller, *_OWNERS)
    return _notice(services.takedowns.bundle(caller, takedown_id))


# The page is HTML; its errors are the JSON envelope like every other route's.
_JSON_ERRORS = {s: {**r, "content": {"application/json": {}}} for s, r in ERROR_RESPONSES.items()}


@router.get(
    "/takedowns/{takedown_id}/notice.html",
    response_class=HTMLResponse,
    tags=["takedowns"],
    responses=_JSON_ERRORS,
)
def notice_page(takedown_id: str, caller: Caller, services: ServicesDep) -> HTMLResponse:
    """The notice as a printable page (self-contained: no script, nothing fetched)."""
    require_role(caller, *_OWNERS)
    page = notice_html(services.takedowns.bundle(caller, takedown_id))
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": "default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'",
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/takedowns/{takedown_id}/steps",
    response_model=TakedownOut,
    tags=["takedowns"],
    dependencies=[JsonBody],
)
def record_step(
    takedown_id: str, body: TakedownStepIn, caller: Caller, services: ServicesDep
) -> dict[str, Any]:
    """Record a step (sent, acknowledged, removed, refused, reinstated): 409 with the
    allowed next steps when it cannot follow the notice's state."""
    require_role(caller, *_OWNERS)
    takedown = services.takedowns.record_step(
        caller, takedown_id, body.status, on=body.on, note=body.note
    )
    return takedown_json(takedown)
