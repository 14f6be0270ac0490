"""Takedown notices in the portal: the "Draft a takedown notice" button on each flagged
appearance of the performer's (and representative's) dashboard, the printable notice, and
a form to record each step. The same service and access checks as the API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from likeness.api.notice_page import notice_html
from likeness.api.portal.pages import Csrf, Session, back, problem, services_of
from likeness.domain.account import Role
from likeness.domain.takedown import TakedownStatus
from likeness.errors import InvalidInputError, LikenessError
from likeness.services.access import require_role
from likeness.services.inputs import parse_date

router = APIRouter(include_in_schema=False)
_OWNERS = (Role.PERFORMER, Role.REPRESENTATIVE)


@router.post("/portal/takedowns")
async def draft_notice(request: Request, session: Csrf) -> Response:
    account = session.account
    require_role(account, *_OWNERS)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    takedowns = services_of(request).takedowns
    try:
        flag_id = int(values.get("flag_id", ""))
    except ValueError:
        return back("/portal", "That flag is not one of yours.")
    try:
        bundle = await run_in_threadpool(
            lambda: takedowns.draft(
                account,
                flag_id,
                values.get("location", ""),
                contact=values.get("contact") or None,
            )
        )
    except LikenessError as exc:
        return back("/portal", f"No notice drafted: {problem(exc)}")
    return back(
        "/portal",
        f"Takedown notice drafted (log entry {bundle.notice_receipt.index}). Print it, "
        "sign it, send it, then record that it was sent.",
    )


@router.get("/portal/takedowns/{takedown_id}/notice.html")
def notice_page(request: Request, takedown_id: str, session: Session) -> HTMLResponse:
    require_role(session.account, *_OWNERS)
    bundle = services_of(request).takedowns.bundle(session.account, takedown_id)
    return HTMLResponse(
        notice_html(bundle),
        headers={
            "Content-Security-Policy": "default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'",
            "Cache-Control": "no-store",
        },
    )


@router.post("/portal/takedowns/{takedown_id}/steps")
async def record_step(request: Request, takedown_id: str, session: Csrf) -> Response:
    account = session.account
    require_role(account, *_OWNERS)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    takedowns = services_of(request).takedowns
    try:
        try:
            status = TakedownStatus(values.get("status", ""))
        except ValueError:
            raise InvalidInputError("choose what happened to the notice") from None
        day = values.get("date") or None
        on = None if day is None else parse_date(day, "date")
        await run_in_threadpool(
            lambda: takedowns.record_step(
                account, takedown_id, status, on=on, note=values.get("note") or None
            )
        )
    except LikenessError as exc:
        return back("/portal", f"Not recorded: {problem(exc)}")
    return back("/portal", f"Recorded: the notice is {status.value}.")
