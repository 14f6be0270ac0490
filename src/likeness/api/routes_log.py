"""The log's status, audit, receipts and aggregate counts under ``/v1`` for auditors,
and ``/healthz``. The public tiles under ``/log`` are answered by ``logserver.py``
ahead of FastAPI (``app.LogFirst``)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from likeness.api.deps import Caller, ServicesDep
from likeness.api.errors import ERROR_RESPONSES
from likeness.api.schemas import AggregatesOut, AuditOut, LogStatusOut, ReceiptOut
from likeness.domain.account import Role
from likeness.services.access import require_role

MAX_KEPT_CHECKPOINT = 16 * 1024  # a checkpoint with up to 100 signature lines

router = APIRouter(prefix="/v1", tags=["log"], responses=ERROR_RESPONSES)
public = APIRouter(tags=["log"])


@router.get("/log/status", response_model=LogStatusOut)
def log_status(caller: Caller, services: ServicesDep) -> dict[str, Any]:
    require_role(caller, Role.AUDITOR)
    return {
        "size": services.ledger.size(),
        "checkpoint": services.ledger.checkpoint(),
        "verifier_key": services.ledger.verifier_key,
        "origin": services.settings.log_origin,
    }


@router.get("/log/audit", response_model=AuditOut)
def log_audit(
    caller: Caller,
    services: ServicesDep,
    since: Annotated[
        str | None,
        Query(
            max_length=MAX_KEPT_CHECKPOINT,
            # a note is text with newlines: no other control character (a NUL never
            # reaches the app: the HTTP server refuses it)
            pattern=r"^[^\x00-\x09\x0b-\x1f\x7f]*$",
            description="A signed checkpoint the auditor kept (the note's text, as "
            "/log/checkpoint served it): the log must still be consistent with it.",
        ),
    ] = None,
) -> dict[str, Any]:
    """Recompute every hash and check the signed checkpoint (seconds per million entries);
    with ``since``, prove the log still extends the checkpoint the auditor kept."""
    require_role(caller, Role.AUDITOR)
    return services.ledger.audit(since).to_json()


@router.get("/log/receipts/{index}", response_model=ReceiptOut)
def receipt(
    index: Annotated[int, Path(ge=0, le=2**62)], caller: Caller, services: ServicesDep
) -> dict[str, Any]:
    require_role(caller, Role.AUDITOR)
    return services.ledger.receipt(index).to_json()


@router.get("/aggregates", response_model=AggregatesOut)
def aggregates(caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """Counts without personal data: consents by state, uses, flags, the log's size."""
    require_role(caller, Role.AUDITOR)
    today = services.clock.now().date()
    states = Counter(r.state_on(today) for r in services.consents.find())
    flagged = services.scans.flag_count()
    status = services.status()
    return {
        "performers": status.performers,
        "productions": status.productions,
        "consents": dict(states),
        "uses": services.uses.count(),
        "flagged_appearances": flagged,
        "log_size": services.ledger.size(),
    }


@public.get("/healthz", include_in_schema=False)
async def healthz() -> Response:
    return Response("ok\n", media_type="text/plain")
