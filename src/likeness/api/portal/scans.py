"""Clearance scans: upload (with upload progress: static/upload.js), the scan's stage and
percentage while it runs (polled with htmx from the task board), cancelling it, and its
results with names and a timeline with thumbnails; a clearance credential signed into
a cleared file, offered for download once the scan is clean."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from markupsafe import Markup

from likeness.api.portal.labels import performer_names, production_title
from likeness.api.portal.pages import (
    Csrf,
    Session,
    back,
    page,
    services_of,
)
from likeness.api.present import scan_job_json
from likeness.api.uploads import InMemoryUploads, stage_scan
from likeness.domain.account import Role
from likeness.domain.scan import ScanOptions, ScanReport
from likeness.errors import (
    InvalidInputError,
)
from likeness.scan.report import report_html
from likeness.scan.timeline import timeline_html
from likeness.services.access import (
    require_role,
)

router = APIRouter(include_in_schema=False, route_class=InMemoryUploads)


@router.get("/portal/scans")
def scans_page(request: Request, session: Session) -> HTMLResponse:
    account = session.account
    require_role(account, Role.PRODUCTION)
    jobs = services_of(request).scan_jobs.jobs(account.production_id)
    return page(request, "scans.html", session, jobs=[scan_job_json(j) for j in jobs])


@router.post("/portal/scans")
async def submit_scan(
    request: Request,
    session: Csrf,
    files: Annotated[list[UploadFile], File()],
    purpose: Annotated[str, Form(max_length=500)] = "",
    sign: Annotated[bool, Form()] = False,
) -> Response:
    account = session.account
    require_role(account, Role.PRODUCTION)
    jobs = services_of(request).scan_jobs
    production_id = account.production_id or ""
    staged = await stage_scan(jobs, files)
    options = ScanOptions(production_id=production_id, purpose=purpose)
    jobs.submit(account, staged, options, sign=sign)
    queued = "Scan queued; the signed copy follows if it is clean." if sign else "Scan queued."
    return back(f"/portal/scans/{staged.id}", queued)


@router.get("/portal/scans/{job_id}")
def scan_page(request: Request, job_id: str, session: Session) -> HTMLResponse:
    """The scan's page; htmx polls it for the status part alone while the scan runs."""
    require_role(session.account, Role.PRODUCTION)
    services = services_of(request)
    job = services.scan_jobs.get(session.account, job_id)
    name = "_scan_status.html" if request.headers.get("hx-request") else "scan.html"
    report = job.report
    names = (
        {}
        if report is None
        else performer_names(services, (a.performer_id for a in report.appearances()))
    )
    return page(
        request,
        name,
        session,
        job=scan_job_json(job),
        finished=job.status.finished,
        report=report,
        names=names,
        timelines=_timelines(report, names),
        not_scanned=_not_scanned(report),
    )


@router.post("/portal/scans/{job_id}/cancel")
def cancel_scan(request: Request, job_id: str, session: Csrf) -> Response:
    """Ask a queued or running scan to stop (whoever may read it may cancel it)."""
    require_role(session.account, Role.PRODUCTION)
    services_of(request).scan_jobs.cancel(session.account, job_id)
    return back(f"/portal/scans/{job_id}", "Cancelling: the scan stops at its next step.")


def _not_scanned(report: ScanReport | None) -> list[tuple[str, str]]:
    """Each file the scan could not read, with why: listed above the results, so that a
    page with no appearances is never taken for a clean scan of every file."""
    if report is None:
        return []
    return [
        (media.path, media.error.removeprefix(f"{media.path}: "))
        for media in report.media
        if media.error is not None
    ]


def _timelines(report: ScanReport | None, names: dict[str, str]) -> list[Markup]:
    """Each scanned file's timeline (scan/timeline.py: escaped there, drawn with
    attributes only), as in the downloadable report."""
    if report is None:
        return []
    return [
        Markup(timeline_html(media, names, key=f"portal-{i}"))  # noqa: S704 (built escaped)
        for i, media in enumerate(report.media)
        if media.error is None
    ]


@router.get("/portal/scans/{job_id}/report.html")
def scan_report(request: Request, job_id: str, session: Session) -> HTMLResponse:
    require_role(session.account, Role.PRODUCTION)
    job = services_of(request).scan_jobs.get(session.account, job_id)
    if job.report is None:
        raise InvalidInputError(f"scan {job_id} is {job.status}; its report is not ready")
    services = services_of(request)
    names = performer_names(services, (a.performer_id for a in job.report.appearances()))
    title = production_title(services, job.report.production_id)
    return HTMLResponse(report_html(job.report, names, production=title))


@router.get("/portal/scans/{job_id}/signed")
def signed_copy(request: Request, job_id: str, session: Session) -> StreamingResponse:
    """The file with its clearance credential, once the scan cleared it."""
    require_role(session.account, Role.PRODUCTION)
    copy = services_of(request).scan_jobs.signed_copy(session.account, job_id)
    return StreamingResponse(
        iter(copy.chunks),
        media_type="application/octet-stream",
        headers={"content-disposition": f'attachment; filename="{copy.name}"'},
    )
