"""Match-threshold calibrations for admins and auditors: each one's data, rates and the
genuine and impostor distances it was chosen from, drawn with its threshold."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from likeness.api.charts import distributions_chart
from likeness.api.portal.pages import Session, page, services_of
from likeness.domain.account import Role
from likeness.domain.calibration import pairs_needed
from likeness.domain.consent import Modality
from likeness.services.access import require_role

router = APIRouter(include_in_schema=False)


@router.get("/portal/calibration")
def calibration_page(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account, Role.AUDITOR)
    services = services_of(request)
    settings = services.settings
    defaults = {
        Modality.FACE: settings.face_match_threshold,
        Modality.VOICE: settings.voice_match_threshold,
    }
    shown: list[dict[str, Any]] = []
    for c in reversed(services.calibrations.all()):  # the latest first
        default = defaults[c.modality]
        shown.append(
            {
                "c": c,
                "default": default,
                "pairs_needed": pairs_needed(c.target_fmr),
                "chart": None
                if c.histogram is None
                else distributions_chart(
                    f"calibration-{c.id.lower()}", c.histogram, c.threshold, default
                ),
            }
        )
    return page(
        request,
        "calibration.html",
        session,
        calibrations=shown,
        face_default=defaults[Modality.FACE],
        voice_default=defaults[Modality.VOICE],
    )
