"""The dashboard of each role, and the webhook delivery log."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from likeness.api.portal.earnings import earnings_charts
from likeness.api.portal.labels import performer_name, production_title
from likeness.api.portal.pages import (
    Session,
    page,
    services_of,
)
from likeness.api.present import scan_job_json
from likeness.bootstrap import Services
from likeness.domain.account import Account, Role
from likeness.services.access import (
    PERFORMER_SIDE,
)

router = APIRouter(include_in_schema=False)


@router.get("/portal")
def dashboard(request: Request, session: Session) -> Response:
    services = services_of(request)
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


def _consent_rows(
    services: Services, performer_id: str | None = None, production_id: str | None = None
) -> list[dict[str, Any]]:
    today = services.clock.now().date()
    found = services.consents.find_indexed(performer_id, production_id)
    # only the productions and performers these consents name
    titles = {r.production_id: production_title(services, r.production_id) for r, _ in found}
    names = {r.performer_id: performer_name(services, r.performer_id) for r, _ in found}
    return [
        {
            "id": r.id,
            "state": r.state_on(today),
            "production": titles[r.production_id],
            "performer": names[r.performer_id],
            "project": r.request.description.project,
            "purpose": "; ".join(r.request.description.purposes),
            "until": r.request.valid_until,
            "log_indexes": indexes,
        }
        for r, indexes in found
    ]


def _performer_view(services: Services, account: Account) -> dict[str, Any]:
    assert account.performer_id is not None
    performer = services.registry.get_performer(account.performer_id)
    rows = _consent_rows(services, performer_id=performer.id)
    uses = services.uses.recent(performer_id=performer.id, limit=200)
    today = services.clock.now().date()
    year = services.uses.statement(performer.id, date(today.year, 1, 1), date(today.year, 12, 31))
    earnings = {t.currency: f"{t.amount:.2f}" for t in year.totals}
    flagged = services.scans.flags_for(performer.id)
    titles = {u.production_id: production_title(services, u.production_id) for u in uses}
    titles |= {
        f.production_id: production_title(services, f.production_id)
        for f in flagged
        if f.production_id is not None  # a watcher's find outside any production has none
    }
    return {
        "performer": performer,
        "pending": [r for r in rows if r["state"] == "requested"],
        "active": [r for r in rows if r["state"] in ("granted", "suspended")],
        "past": [r for r in rows if r["state"] in ("denied", "revoked", "expired")],
        "uses": uses,
        "titles": titles,
        "earnings": earnings,
        "earnings_charts": earnings_charts(services, performer.id, today),
        "year": today.year,
        "flagged": flagged,
        "takedowns": services.takedowns.listed(account),
        "retention": services.retention.notice(performer.id),
    }


def _production_view(services: Services, account: Account) -> dict[str, Any]:
    assert account.production_id is not None
    production = services.registry.get_production(account.production_id)
    uses = services.uses.recent(production_id=production.id, limit=200)
    names = {u.performer_id: performer_name(services, u.performer_id) for u in uses}
    return {
        "production": production,
        "consents": _consent_rows(services, production_id=production.id),
        "uses": uses,
        "names": names,
        "jobs": [scan_job_json(j) for j in services.scan_jobs.jobs(production.id)],
    }


def _admin_view(services: Services) -> dict[str, Any]:
    return {
        "home_status": services.status(),
        "consents": _consent_rows(services),
        "log_size": services.ledger.size(),
    }


@router.get("/portal/webhooks")
def webhooks_page(request: Request, session: Session) -> HTMLResponse:
    services = services_of(request)
    hooks = services.webhooks.webhooks(session.account)
    logs = {h.id: services.webhooks.deliveries(session.account, h.id) for h in hooks}
    return page(request, "webhooks.html", session, hooks=hooks, logs=logs)
