"""``/v1/credentials``: a production uploads a deliverable, it is scanned and, when every
appearance is cleared, signed with a clearance credential (C2PA) to download.

A credential job is a scan job that asked for one: its upload waits sealed, is opened
into memory only to be scanned and signed, and the signed copy waits sealed under the
job's report key until downloaded (docs/provenance.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import StreamingResponse

from likeness.api.deps import Caller, MultipartBody, ServicesDep
from likeness.api.errors import ERROR_RESPONSES
from likeness.api.present import scan_job_json
from likeness.api.schemas import ScanJobOut
from likeness.api.uploads import InMemoryUploads, stage_scan
from likeness.domain.account import Role
from likeness.domain.consent import ReplicaKind
from likeness.domain.scan import ScanOptions
from likeness.errors import NotFoundError
from likeness.services.access import require_production, require_role
from likeness.services.credentials import SIGNED_MEDIA_TYPES, media_type_of

router = APIRouter(
    prefix="/v1/credentials",
    tags=["credentials"],
    responses=ERROR_RESPONSES,
    route_class=InMemoryUploads,
)


@router.post("", response_model=ScanJobOut, status_code=202, dependencies=[MultipartBody])
async def request_credential(
    caller: Caller,
    services: ServicesDep,
    file: Annotated[
        UploadFile, File(description="The deliverable: JPEG, PNG, WebP, MP4, MOV or WAV.")
    ],
    production_id: Annotated[str, Form(min_length=1, max_length=64)],
    purpose: Annotated[str, Form(max_length=500)] = "",
    replica_kind: Annotated[ReplicaKind, Form()] = ReplicaKind.EMPLOYMENT_BASED,
    synthetic_as: Annotated[ReplicaKind, Form()] = ReplicaKind.INDEPENDENTLY_CREATED,
    fps: Annotated[float, Form(gt=0, le=30)] = 2.0,
    use_date: Annotated[date | None, Form()] = None,
) -> dict[str, Any]:
    """Queue the scan and signing of one file; poll ``GET /v1/credentials/{id}`` until it
    is done: ``credential.status`` is then ``issued`` (download ``/file``) or ``refused``
    (the report names each appearance no consent covers)."""
    require_role(caller, Role.PRODUCTION)
    require_production(caller, production_id)
    staged = await stage_scan(services.scan_jobs, [file])
    options = ScanOptions(
        production_id=production_id,
        fps=fps,
        use_date=use_date,
        replica_kind=replica_kind,
        synthetic_as=synthetic_as,
        purpose=purpose,
    )
    return scan_job_json(services.scan_jobs.submit(caller, staged, options, sign=True))


@router.get("/{job_id}", response_model=ScanJobOut)
def get_credential(job_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """The job: its status while it runs, then its summary and credential outcome (the
    full report at ``GET /v1/scans/{id}/report``)."""
    require_role(caller, Role.PRODUCTION)
    job = services.scan_jobs.get(caller, job_id)
    if job.credential is None:
        raise NotFoundError("credential job", job_id, hint="this scan job asked for no credential")
    return scan_job_json(job)


@router.get(
    "/{job_id}/file",
    response_class=StreamingResponse,
    responses={200: {"content": {media: {} for media in SIGNED_MEDIA_TYPES}}},
)
def download_credential(job_id: str, caller: Caller, services: ServicesDep) -> StreamingResponse:
    """The signed copy, once issued (409 while pending or when refused)."""
    require_role(caller, Role.PRODUCTION)
    copy = services.scan_jobs.signed_copy(caller, job_id)
    return StreamingResponse(
        _chunks(copy.chunks),
        media_type=media_type_of(copy.name),
        headers={"content-disposition": f'attachment; filename="{copy.name}"'},
    )


def _chunks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    yield from chunks
