"""The portal: server-rendered pages (Jinja2, htmx) for performers, their representatives,
productions, auditors and admins.

Logins are username and password (argon2id); the session is an opaque HttpOnly cookie
(SameSite=Lax; Secure outside development or over HTTPS). Every state-changing request
must carry the session's CSRF token, as a form field or the ``X-CSRF-Token`` header that
htmx sends; the login form uses a double-submit cookie. Pages never call the JSON API:
they use the same services and the same access checks.
"""

from __future__ import annotations

from fastapi import APIRouter

from likeness.api.portal import (
    account,
    admin,
    auth,
    calibration,
    consents,
    dashboards,
    enrolment,
    inbox,
    log,
    retention,
    scans,
    takedowns,
    tasks,
    uses,
)
from likeness.api.portal.pages import LoginRequired, is_portal, login_redirect, portal_error

router = APIRouter(include_in_schema=False)
for part in (
    auth,
    dashboards,
    account,
    inbox,
    admin,
    enrolment,
    consents,
    uses,
    scans,
    tasks,
    takedowns,
    log,
    calibration,
    retention,
):
    router.include_router(part.router)

__all__ = ["LoginRequired", "is_portal", "login_redirect", "portal_error", "router"]
