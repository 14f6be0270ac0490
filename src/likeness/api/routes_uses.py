"""``/v1/uses``, statements and ``/v1/check``."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from likeness.api.deps import Caller, JsonBody, MultipartBody, ServicesDep
from likeness.api.errors import ERROR_RESPONSES
from likeness.api.present import check_json, decision_json, statement_json, use_json
from likeness.api.schemas import (
    CheckIn,
    CheckOut,
    DecisionOut,
    StatementOut,
    UseIn,
    UseOut,
    UseReportIn,
)
from likeness.api.uploads import InMemoryUploads, held_uploads
from likeness.domain.account import Role
from likeness.domain.use import UseReport
from likeness.errors import InvalidInputError
from likeness.services.access import (
    audience_of,
    require_party,
    require_performer,
    require_production,
    require_role,
    visible_scope,
)

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES, route_class=InMemoryUploads)


@router.post(
    "/uses", response_model=UseOut, status_code=201, tags=["uses"], dependencies=[JsonBody]
)
def report_use(body: UseReportIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """Report a use: decided by the rulebooks in force, logged, and on the statement."""
    require_role(caller, Role.PRODUCTION)
    require_production(caller, body.use.production_id)
    report = UseReport(
        performer_id=body.performer_id,
        use=body.use.to_facts(),
        category=body.category,
        pro_rata_daily_rate=body.pro_rata_daily_rate,
        consent_id=body.consent_id,
    )
    return use_json(services.uses.report(report).value)


@router.post("/uses/preview", response_model=DecisionOut, tags=["uses"], dependencies=[JsonBody])
def preview_use(body: UseReportIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """What reporting this use would decide and cost; nothing is recorded."""
    require_role(caller, Role.PRODUCTION)
    require_production(caller, body.use.production_id)
    decision = services.uses.decide(
        body.performer_id,
        body.use.to_facts(),
        category=body.category,
        relied_on=body.consent_id,
    )
    return decision_json(decision)


@router.get("/uses", response_model=list[UseOut], tags=["uses"])
def list_uses(
    caller: Caller, services: ServicesDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    performer_id, production_id = visible_scope(caller)
    found = services.uses.recent(
        performer_id=performer_id, production_id=production_id, limit=limit
    )
    return [use_json(u) for u in found]


@router.get("/uses/{use_id}", response_model=UseOut, tags=["uses"])
def get_use(use_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    use = services.uses.get(use_id)
    require_party(caller, use.performer_id, use.production_id)
    return use_json(use)


@router.get(
    "/performers/{performer_id}/statement", response_model=StatementOut, tags=["performers"]
)
def statement(
    performer_id: str,
    caller: Caller,
    services: ServicesDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> dict[str, Any]:
    """Every use in the period, what each pays, and the log entry recording it."""
    require_performer(caller, performer_id)
    return statement_json(services.uses.statement(performer_id, start, end))


@router.post("/check", response_model=CheckOut, tags=["check"], dependencies=[JsonBody])
async def check(body: CheckIn, caller: Caller, services: ServicesDep) -> JSONResponse:
    """Is this intended use of this performer's likeness covered by consent? The answer
    carries the reasons and a receipt for the check's entry in the log."""
    require_role(caller, Role.PLATFORM, Role.PRODUCTION)
    require_production(caller, body.use.production_id)
    # The hot path of the API. Deciding reads the decision cache (a short query when it
    # misses); the log append is awaited without holding a worker thread; the answer is
    # built to CheckOut's shape (the schema test holds it to that) and sent as-is.
    pending = services.checks.start_performer_check(
        body.performer_id, body.use.to_facts(), audience_of(caller)
    )
    result = await asyncio.wrap_future(pending)
    return JSONResponse(check_json(result, services.ledger.verifier_key))


@router.post("/check/media", response_model=CheckOut, tags=["check"], dependencies=[MultipartBody])
async def check_media(
    caller: Caller,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="An image or audio (or video) to check.")],
    use: Annotated[str, Form(max_length=20000, description="The intended use, as JSON (UseIn).")],
) -> dict[str, Any]:
    """Like ``/v1/check``, for every face or voice recognised in an uploaded file."""
    require_role(caller, Role.PLATFORM, Role.PRODUCTION)
    try:
        intended = UseIn.model_validate(json.loads(use))
    except (ValueError, ValidationError) as exc:
        raise InvalidInputError(f"the 'use' field is not a valid use: {exc}") from None
    require_production(caller, intended.production_id)
    async with held_uploads(services.memory, [file]) as [path]:  # in memory, never on disk
        result = await run_in_threadpool(
            services.checks.check_media, path, intended.to_facts(), audience_of(caller)
        )
    return check_json(result, services.ledger.verifier_key)
