"""Receipts to download and verify, and the auditor's log page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from likeness.api.portal.growth import growth_chart
from likeness.api.portal.pages import (
    Csrf,
    Session,
    page,
    services_of,
)
from likeness.domain.account import Role
from likeness.ledger.entry import decode_entry
from likeness.ledger.note import parse_verifier
from likeness.ledger.receipt import ReceiptError, parse_receipt, verify_receipt
from likeness.services.access import require_party, require_role

router = APIRouter(include_in_schema=False)


@router.get("/portal/receipts/{index}")
def download_receipt(request: Request, index: int, session: Session) -> Response:
    receipt = services_of(request).ledger.receipt(index)
    if session.account.role is not Role.AUDITOR:
        # The entry names its performer and production in the clear: one read decides it.
        ids = decode_entry(receipt.entry)["ids"]
        assert isinstance(ids, dict)
        performer, production = ids.get("performer"), ids.get("production")
        require_party(
            session.account,
            performer if isinstance(performer, str) else "",
            production if isinstance(production, str) else "",
        )
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
        growth=growth_chart(services.ledger.growth(), services.clock.now().date()),
        checkpoint=services.ledger.checkpoint(),
        verifier_key=services.ledger.verifier_key,
    )


@router.post("/portal/log/audit")
async def audit_log(request: Request, session: Csrf) -> HTMLResponse:
    require_role(session.account, Role.AUDITOR)
    report = await run_in_threadpool(services_of(request).ledger.audit)
    return page(request, "_audit.html", session, report=report.to_json())
