"""``/v1/consents``: request, answer, revoke and read consents, and their receipts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from likeness.api.deps import Caller, JsonBody, ServicesDep
from likeness.api.errors import ERROR_RESPONSES
from likeness.api.iso27560 import MEDIA_TYPE, consent_receipt_jsonld
from likeness.api.present import consent_json
from likeness.api.schemas import AnswerIn, ConsentOut, ConsentRequestIn, ReceiptOut
from likeness.bootstrap import Services
from likeness.domain.account import Account, Role
from likeness.domain.consent import (
    Grantor,
)
from likeness.domain.lifecycle import ConsentRecord
from likeness.errors import InvalidInputError
from likeness.services.access import (
    require_party,
    require_performer,
    require_production,
    require_role,
    visible_scope,
)
from likeness.services.events import Recorded

router = APIRouter(prefix="/v1/consents", tags=["consents"], responses=ERROR_RESPONSES)


def consent_out(services: Services, record: ConsentRecord) -> dict[str, Any]:
    today = services.clock.now().date()
    return consent_json(record, today, services.consents.log_indexes(record.id))


def _recorded(services: Services, recorded: Recorded[ConsentRecord]) -> dict[str, Any]:
    return consent_out(services, recorded.value)


def acting_as(caller: Account, body: AnswerIn) -> tuple[Grantor, str | None]:
    """Who signs: performers as themselves, representatives by their account's name,
    admins as whoever they name (an estate, the union)."""
    if caller.role is Role.PERFORMER:
        return Grantor.PERFORMER, None
    if caller.role is Role.REPRESENTATIVE:
        return Grantor.REPRESENTATIVE, caller.name
    if body.by is None:
        raise InvalidInputError(
            "an administrator answering for a performer names 'by' (and 'signer')"
        )
    return body.by, body.signer


@router.get("", response_model=list[ConsentOut])
def list_consents(caller: Caller, services: ServicesDep) -> list[dict[str, Any]]:
    """Consents the caller is party to (all of them, for an admin)."""
    performer_id, production_id = visible_scope(caller)
    today = services.clock.now().date()
    found = services.consents.find_indexed(performer_id, production_id)
    return [consent_json(record, today, indexes) for record, indexes in found]


@router.post("", response_model=ConsentOut, status_code=201, dependencies=[JsonBody])
def request_consent(
    body: ConsentRequestIn, caller: Caller, services: ServicesDep
) -> dict[str, Any]:
    """A production asks a performer for consent to a specifically described use."""
    require_role(caller, Role.PRODUCTION)
    require_production(caller, body.production_id)
    recorded = services.consents.request(body.performer_id, body.production_id, body.to_request())
    return _recorded(services, recorded)


@router.get("/{consent_id}", response_model=ConsentOut)
def get_consent(consent_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    record = services.consents.get(consent_id)
    require_party(caller, record.performer_id, record.production_id)
    return consent_out(services, record)


def _answerable(caller: Account, services: Services, consent_id: str) -> ConsentRecord:
    require_role(caller, Role.PERFORMER, Role.REPRESENTATIVE)
    record = services.consents.get(consent_id)
    require_performer(caller, record.performer_id)
    return record


@router.post("/{consent_id}/grant", response_model=ConsentOut, dependencies=[JsonBody])
def grant(consent_id: str, body: AnswerIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    _answerable(caller, services, consent_id)
    by, signer = acting_as(caller, body)
    recorded = services.consents.grant(
        consent_id,
        by=by,
        signer=signer,
        signed_separately=body.signed_separately,
        clear_and_conspicuous=body.clear_and_conspicuous,
    )
    return _recorded(services, recorded)


@router.post("/{consent_id}/deny", response_model=ConsentOut, dependencies=[JsonBody])
def deny(consent_id: str, body: AnswerIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    _answerable(caller, services, consent_id)
    by, signer = acting_as(caller, body)
    recorded = services.consents.deny(consent_id, by=by, signer=signer, reason=body.reason)
    return _recorded(services, recorded)


@router.post("/{consent_id}/revoke", response_model=ConsentOut, dependencies=[JsonBody])
def revoke(
    consent_id: str, body: AnswerIn, caller: Caller, services: ServicesDep
) -> dict[str, Any]:
    _answerable(caller, services, consent_id)
    by, signer = acting_as(caller, body)
    recorded = services.consents.revoke(consent_id, by=by, signer=signer, reason=body.reason)
    return _recorded(services, recorded)


@router.get("/{consent_id}/receipts", response_model=list[ReceiptOut])
def receipts(consent_id: str, caller: Caller, services: ServicesDep) -> list[dict[str, Any]]:
    """A receipt for every step of the consent, each verifiable offline
    ('likeness log verify-receipt')."""
    record = services.consents.get(consent_id)
    require_party(caller, record.performer_id, record.production_id)
    return [services.ledger.receipt(i).to_json() for i in services.consents.log_indexes(consent_id)]


class JsonLdResponse(JSONResponse):
    media_type = MEDIA_TYPE


# The error envelope stays application/json on a JSON-LD route (FastAPI would document
# it under the route's media type otherwise).
JSON_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "description": spec["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }
    for status, spec in ERROR_RESPONSES.items()
}


@router.get(
    "/{consent_id}/iso27560",
    response_class=JsonLdResponse,
    responses={
        **JSON_ERRORS,
        200: {
            "description": "An ISO/IEC TS 27560 consent receipt in the W3C DPV JSON-LD form",
            "content": {
                MEDIA_TYPE: {
                    "schema": {
                        "type": "object",
                        "required": ["@context", "@id", "@type", "dpv:hasRecordOfActivity"],
                    }
                }
            },
        },
    },
)
def iso27560_receipt(
    consent_id: str,
    caller: Caller,
    services: ServicesDep,
    event: Annotated[
        int | None,
        Query(ge=0, description="Log index of the step to prove up to (default: the latest)."),
    ] = None,
) -> JsonLdResponse:
    """The consent as an ISO/IEC TS 27560 consent receipt (DPV JSON-LD): the performer
    only as their log commitment, each step with its log receipt (docs/provenance.md)."""
    record = services.consents.get(consent_id)
    require_party(caller, record.performer_id, record.production_id)
    proof = services.consent_receipts.prove(consent_id, event)
    return JsonLdResponse(consent_receipt_jsonld(proof))
