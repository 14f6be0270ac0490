"""``/v1/scans``: submit media for a clearance scan, poll it, fetch its report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from likeness.api.deps import Caller, MultipartBody, ServicesDep
from likeness.api.errors import ERROR_RESPONSES
from likeness.api.present import scan_job_json
from likeness.api.schemas import Out, ScanJobOut
from likeness.api.uploads import InMemoryUploads, stage_scan
from likeness.domain.account import Role
from likeness.domain.consent import ReplicaKind
from likeness.domain.scan import ScanOptions
from likeness.errors import ConflictError
from likeness.services.access import require_production, require_role

router = APIRouter(
    prefix="/v1/scans", tags=["scans"], responses=ERROR_RESPONSES, route_class=InMemoryUploads
)


@router.post("", response_model=ScanJobOut, status_code=202, dependencies=[MultipartBody])
async def submit_scan(
    caller: Caller,
    services: ServicesDep,
    files: Annotated[list[UploadFile], File(description="Video, audio or images to scan.")],
    production_id: Annotated[str, Form(min_length=1, max_length=64)],
    purpose: Annotated[str, Form(max_length=500)] = "",
    replica_kind: Annotated[ReplicaKind, Form()] = ReplicaKind.EMPLOYMENT_BASED,
    synthetic_as: Annotated[
        ReplicaKind,
        Form(description="How a registered performer in media declared AI-generated is decided."),
    ] = ReplicaKind.INDEPENDENTLY_CREATED,
    fps: Annotated[float, Form(gt=0, le=30)] = 2.0,
    use_date: Annotated[date | None, Form()] = None,
) -> dict[str, Any]:
    """Queue a clearance scan; poll ``GET /v1/scans/{id}`` until it is done."""
    require_role(caller, Role.PRODUCTION, Role.PLATFORM)
    require_production(caller, production_id)
    staged = await stage_scan(services.scan_jobs, files)
    options = ScanOptions(
        production_id=production_id,
        fps=fps,
        use_date=use_date,
        replica_kind=replica_kind,
        synthetic_as=synthetic_as,
        purpose=purpose,
    )
    return scan_job_json(services.scan_jobs.submit(caller, staged, options))


@router.get("", response_model=list[ScanJobOut])
def list_scans(caller: Caller, services: ServicesDep) -> list[dict[str, Any]]:
    require_role(caller, Role.PRODUCTION)
    scope = None if caller.role is Role.ADMIN else caller.production_id
    return [scan_job_json(j) for j in services.scan_jobs.jobs(scope)]


@router.get("/{job_id}", response_model=ScanJobOut)
def get_scan(job_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    require_role(caller, Role.PRODUCTION, Role.PLATFORM)
    return scan_job_json(services.scan_jobs.get(caller, job_id))


@router.post("/{job_id}/cancel", response_model=ScanJobOut, status_code=202)
def cancel_scan(job_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """Ask a queued or running scan (or credential signing) to stop: it stops at its next
    progress report, shreds its uploads and ends ``cancelled``. 409 once it has finished."""
    require_role(caller, Role.PRODUCTION, Role.PLATFORM)
    return scan_job_json(services.scan_jobs.cancel(caller, job_id))


@router.get("/{job_id}/report", response_model=Out)
def scan_report(job_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """The report (docs/scan-report.md) once the job is done. The portal shows it as a
    self-contained HTML timeline."""
    require_role(caller, Role.PRODUCTION, Role.PLATFORM)
    job = services.scan_jobs.get(caller, job_id)
    if job.report is None:
        raise ConflictError(f"scan {job_id} is {job.status}; its report is not ready")
    return job.report.to_json()
