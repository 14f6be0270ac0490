"""Administration of what runs on its own: every account's webhooks with their delivery
logs (an admin may read and disable any, and subscribe for itself), and the retention
schedule of biometric data (what is held, what is due, a dry run, then a confirmed run).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from likeness.api.portal.labels import performer_names
from likeness.api.portal.pages import Csrf, Session, back, page, problem, services_of
from likeness.bootstrap import Services
from likeness.domain.account import Account
from likeness.domain.log_events import WEBHOOK_EVENTS
from likeness.errors import ConflictError, InvalidInputError, LikenessError
from likeness.services.access import require_role
from likeness.services.retention import RetentionReport

router = APIRouter(include_in_schema=False)

# -- webhooks --------------------------------------------------------------------------


def _webhooks_view(services: Services, admin: Account) -> dict[str, Any]:
    """Every account's subscriptions: the service lets an admin read and disable any."""
    owners = {a.id: a for a in services.accounts.list_accounts()}
    hooks = [h for a in owners.values() for h in services.webhooks.webhooks(a)]
    hooks.sort(key=lambda h: (h.disabled_at is not None, h.created_at), reverse=False)
    return {
        "hooks": hooks,
        "owners": owners,
        "logs": {h.id: services.webhooks.deliveries(admin, h.id) for h in hooks},
        "events": [e.value for e in WEBHOOK_EVENTS],
    }


@router.get("/portal/admin/webhooks")
def webhooks_page(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account)
    services = services_of(request)
    return page(
        request,
        "admin_webhooks.html",
        session,
        error=None,
        values={},
        **_webhooks_view(services, session.account),
    )


@router.post("/portal/admin/webhooks")
async def subscribe(request: Request, session: Csrf) -> Response:
    require_role(session.account)
    services = services_of(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    events = [e for e in form.getlist("event") if isinstance(e, str)]
    url = values.get("url", "").strip()
    try:
        if not url:
            raise InvalidInputError("give the address that receives the deliveries")
        made = await run_in_threadpool(services.webhooks.subscribe, session.account, url, events)
    except LikenessError as exc:
        return page(
            request,
            "admin_webhooks.html",
            session,
            status=422,
            error=problem(exc),
            values=values | {"events": events},
            **_webhooks_view(services, session.account),
        )
    response = page(request, "admin_webhook_created.html", session, made=made)
    response.headers["Cache-Control"] = "no-store"  # the signing secret, shown once
    return response


@router.post("/portal/admin/webhooks/{webhook_id}/disable")
async def disable_webhook(request: Request, webhook_id: str, session: Csrf) -> Response:
    require_role(session.account)
    webhooks = services_of(request).webhooks
    try:
        hook = await run_in_threadpool(webhooks.disable, session.account, webhook_id)
    except LikenessError as exc:
        return back("/portal/admin/webhooks", f"Not disabled: {problem(exc)}")
    return back(
        "/portal/admin/webhooks",
        f"Webhook to {hook.url} disabled; its pending deliveries will not be sent.",
    )


# -- retention -------------------------------------------------------------------------


def _retention_view(services: Services) -> dict[str, Any]:
    """Who holds biometric data and where each stands, and what a run would do now."""
    retention = services.retention
    held = sorted(retention.holdings(), key=lambda h: (h.destroy_on, h.performer_id))
    dry = retention.run(dry_run=True)
    return {
        "policy": retention.policy,
        "held": held,
        "dry": dry,
        "names": performer_names(services, (h.performer_id for h in held)),
        "today": services.clock.now().date(),
        "due_ids": _due(dry),
    }


def _due(report: RetentionReport) -> str:
    """What a dry run would destroy and warn, as the confirmation form carries it."""
    destroy = sorted(s.holding.performer_id for s in report.destroyed)
    warn = sorted(s.holding.performer_id for s in report.warned)
    return ",".join(destroy) + ";" + ",".join(warn)


@router.get("/portal/admin/retention")
def retention_page(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account)
    return page(
        request,
        "admin_retention.html",
        session,
        error=None,
        **_retention_view(services_of(request)),
    )


@router.post("/portal/admin/retention/run")
async def run_retention(request: Request, session: Csrf) -> Response:
    require_role(session.account)
    services = services_of(request)
    form = await request.form()
    confirmed = form.get("confirm") == "yes"
    reviewed = form.get("due")
    try:
        if not confirmed:
            raise InvalidInputError(
                "the run was not confirmed",
                hint="tick the box that says you reviewed what will be destroyed",
            )
        # The run acts on what is due when it runs: refuse it if that is no longer what
        # the admin reviewed (an interaction or a new day since moves people in or out).
        if reviewed != _due(services.retention.run(dry_run=True)):
            raise ConflictError(
                "what is due changed since the page was loaded",
                hint="review the new list below and confirm again",
            )
        report = await run_in_threadpool(services.retention.run)
    except LikenessError as exc:
        return page(
            request,
            "admin_retention.html",
            session,
            status=409 if isinstance(exc, ConflictError) else 422,
            error=problem(exc),
            **_retention_view(services),
        )
    steps = [*report.destroyed, *report.warned]
    return page(
        request,
        "admin_retention_done.html",
        session,
        report=report,
        names=performer_names(services, (s.holding.performer_id for s in steps)),
    )
