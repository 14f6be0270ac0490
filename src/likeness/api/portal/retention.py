"""The public retention schedule of biometric data (740 ILCS 14/15(a) asks for a written
policy made available to the public): no sign-in needed, rendered from the settings in
force, so the years and days shown are the ones the schedule applies."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from likeness.api.portal.pages import LoginRequired, current_session, page, services_of
from likeness.domain.retention import InteractionKind
from likeness.services.logins import OpenSession

router = APIRouter(include_in_schema=False)

# How each kind of interaction reads on the schedule.
INTERACTIONS: dict[InteractionKind, str] = {
    InteractionKind.ENROLMENT: "an enrolment of the performer's photos or recordings",
    InteractionKind.CONSENT: "their answer to a request for consent: granted, denied or revoked",
    InteractionKind.USE: "a use of their likeness that their consent covers",
    InteractionKind.SIGN_IN: "a sign-in to this portal by their own account or their "
    "representative's",
}


@router.get("/retention")
def retention_schedule(request: Request) -> HTMLResponse:
    session: OpenSession | None = None
    with contextlib.suppress(LoginRequired):  # public: a session only adds the menu
        session = current_session(request)
    policy = services_of(request).retention.policy
    return page(request, "retention.html", session, policy=policy, interactions=INTERACTIONS)
