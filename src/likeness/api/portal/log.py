"""Receipts to download and verify, and the auditor's log page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from likeness.api.portal.pages import (
    Csrf,
    Session,
    page,
    services_of,
)
from likeness.bootstrap import Services
from likeness.domain.account import Account, Role
from likeness.errors import (
    PermissionDeniedError,
)
from likeness.ledger.note import parse_verifier
from likeness.ledger.receipt import ReceiptError, parse_receipt, verify_receipt
from likeness.services.access import (
    PERFORMER_SIDE,
    require_role,
)

router = APIRouter(include_in_schema=False)


def _own_indexes(services: Services, account: Account) -> set[int]:
    """The log entries recording the consents, uses and flags this account is party to."""
    performer_id = account.performer_id if account.role in PERFORMER_SIDE else None
    production_id = account.production_id if account.role is Role.PRODUCTION else None
    if performer_id is None and production_id is None:
        return set()
    found: set[int] = set()
    for record in services.consents.find(performer_id=performer_id, production_id=production_id):
        found.update(services.consents.log_indexes(record.id))
    for use in services.uses.recent(
        performer_id=performer_id, production_id=production_id, limit=10000
    ):
        found.add(use.log_index)
    if performer_id is not None:
        found.update(f.log_index for f in services.scans.flags_for(performer_id))
    return found


@router.get("/portal/receipts/{index}")
def download_receipt(request: Request, index: int, session: Session) -> Response:
    services = services_of(request)
    sees_all = session.account.role in (Role.AUDITOR, Role.ADMIN)
    if not sees_all and index not in _own_indexes(services, session.account):
        raise PermissionDeniedError(
            f"log entry {index} does not record one of your consents, uses or flags"
        )
    receipt = services.ledger.receipt(index)
    return Response(
        receipt.dumps(),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="receipt-{index}.json"'},
    )


@router.post("/portal/receipts/verify")
async def verify_uploaded_receipt(
    request: Request, session: Csrf, file: Annotated[UploadFile, File()]
) -> HTMLResponse:
    """Check a receipt file against this log's public key, as 'likeness log verify-receipt'."""
    services = services_of(request)
    data = await file.read(1024 * 1024)
    try:
        receipt = parse_receipt(data)
        checkpoint = verify_receipt(receipt, parse_verifier(services.ledger.verifier_key))
        result = {
            "ok": True,
            "message": f"Valid: entry {receipt.index} is in the log, under a checkpoint of "
            f"size {checkpoint.size} signed by {checkpoint.origin}.",
        }
    except (ReceiptError, ValueError) as exc:
        result = {"ok": False, "message": f"Not valid: {exc}"}
    return page(request, "_verify.html", session, result=result)


@router.get("/portal/log")
def log_page(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account, Role.AUDITOR)
    services = services_of(request)
    return page(
        request,
        "log.html",
        session,
        size=services.ledger.size(),
        checkpoint=services.ledger.checkpoint(),
        verifier_key=services.ledger.verifier_key,
    )


@router.post("/portal/log/audit")
async def audit_log(request: Request, session: Csrf) -> HTMLResponse:
    require_role(session.account, Role.AUDITOR)
    report = await run_in_threadpool(services_of(request).ledger.audit)
    return page(request, "_audit.html", session, report=report.to_json())
