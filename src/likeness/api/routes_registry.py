"""``/v1``: the caller, performers (with enrolment uploads), productions, accounts, keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from likeness.api.deps import Caller, JsonBody, MultipartBody, ServicesDep
from likeness.api.errors import ERROR_RESPONSES
from likeness.api.present import (
    account_json,
    api_key_json,
    enrolment_json,
    performer_json,
    phrase_json,
    production_json,
)
from likeness.api.schemas import (
    AccountIn,
    AccountOut,
    ApiKeyIn,
    ApiKeyOut,
    NewApiKeyOut,
    Out,
    PerformerIn,
    PerformerOut,
    ProductionIn,
    ProductionOut,
)
from likeness.api.uploads import InMemoryUploads, held_uploads
from likeness.domain.account import Role
from likeness.domain.consent import Modality
from likeness.domain.performer import Representative, RepresentativeCapacity
from likeness.services.access import require_performer, require_production, require_role
from likeness.services.inputs import PerformerInput, ProductionInput

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES, route_class=InMemoryUploads)


@router.get("/me", response_model=AccountOut, tags=["accounts"])
def me(caller: Caller) -> dict[str, Any]:
    """The account the API key belongs to."""
    return account_json(caller)


@router.get("/performers", response_model=list[PerformerOut], tags=["performers"])
def list_performers(caller: Caller, services: ServicesDep) -> list[dict[str, Any]]:
    """Admins see every performer; performers and representatives their own record."""
    require_role(caller, Role.PERFORMER, Role.REPRESENTATIVE)
    if caller.role is Role.ADMIN:
        return [performer_json(p) for p in services.registry.list_performers()]
    assert caller.performer_id is not None
    return [performer_json(services.registry.get_performer(caller.performer_id))]


@router.post(
    "/performers",
    response_model=PerformerOut,
    status_code=201,
    tags=["performers"],
    dependencies=[JsonBody],
)
def add_performer(body: PerformerIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    require_role(caller)
    data = PerformerInput(
        legal_name=body.legal_name,
        date_of_birth=body.date_of_birth,
        professional_name=body.professional_name,
        union=body.union,
        member_number=body.member_number,
        date_of_death=body.date_of_death,
        domicile=body.domicile,
        representatives=tuple(
            Representative(r.name, RepresentativeCapacity(r.capacity), r.contact)
            for r in body.representatives
        ),
    )
    return performer_json(services.registry.add_performer(data).value)


@router.get("/performers/{performer_id}", response_model=PerformerOut, tags=["performers"])
def get_performer(performer_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    require_performer(caller, performer_id)
    return performer_json(services.registry.get_performer(performer_id))


@router.post(
    "/performers/{performer_id}/enrolment",
    response_model=Out,
    status_code=201,
    tags=["performers"],
    dependencies=[MultipartBody],
)
async def enrol(
    performer_id: str,
    caller: Caller,
    services: ServicesDep,
    files: Annotated[list[UploadFile], File(description="Photos (one face each) or speech.")],
    modality: Annotated[str | None, Form(pattern="^(face|voice)$")] = None,
) -> dict[str, Any]:
    """Enrol a performer's face or voice from uploaded photos or recordings. The files
    are sealed in the vault; templates are committed to the log. The uploads are held
    in memory meanwhile, never written in clear."""
    require_performer(caller, performer_id)
    async with held_uploads(services.memory, files) as paths:
        recorded = await run_in_threadpool(
            services.enrolment.enrol,
            performer_id,
            paths,
            None if modality is None else Modality(modality),
        )
    return enrolment_json(recorded)


@router.post(
    "/performers/{performer_id}/enrolment/video",
    response_model=Out,
    status_code=201,
    tags=["performers"],
    dependencies=[MultipartBody],
)
async def enrol_video(
    performer_id: str,
    caller: Caller,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="3–10 s of the head turning left and right.")],
) -> dict[str, Any]:
    """Enrol a face from a video of the head turning, with a liveness check: a flat
    picture (a photo or screen held to the camera) or a head that does not turn both ways
    is refused (`invalid`). Templates are made from three poses; the video is held in
    memory while it is checked and is not kept."""
    require_performer(caller, performer_id)
    async with held_uploads(services.memory, [file]) as [path]:
        recorded = await run_in_threadpool(services.video_enrolment.enrol, performer_id, path)
    return enrolment_json(recorded)


@router.post(
    "/performers/{performer_id}/enrolment/phrase",
    response_model=Out,
    status_code=201,
    tags=["performers"],
)
def issue_phrase(performer_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """A random phrase for a voice enrolment, and the token to send back with the
    recording of the performer reading it (valid for 15 minutes)."""
    require_performer(caller, performer_id)
    return phrase_json(services.phrase_enrolment.issue(performer_id))


@router.post(
    "/performers/{performer_id}/enrolment/voice",
    response_model=Out,
    status_code=201,
    tags=["performers"],
    dependencies=[MultipartBody],
)
async def enrol_voice(
    performer_id: str,
    caller: Caller,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="The performer reading the phrase.")],
    token: Annotated[str, Form(description="The token issued with the phrase.")],
) -> dict[str, Any]:
    """Enrol a voice from a recording that says the issued phrase (checked offline by
    speech recognition): refused (`invalid`) when the words are not heard."""
    require_performer(caller, performer_id)
    async with held_uploads(services.memory, [file]) as [path]:
        recorded = await run_in_threadpool(
            services.phrase_enrolment.enrol, performer_id, path, token
        )
    return enrolment_json(recorded)


@router.get("/productions", response_model=list[ProductionOut], tags=["productions"])
def list_productions(caller: Caller, services: ServicesDep) -> list[dict[str, Any]]:
    require_role(caller, Role.PRODUCTION)
    if caller.role is Role.ADMIN:
        return [production_json(p) for p in services.registry.list_productions()]
    assert caller.production_id is not None
    return [production_json(services.registry.get_production(caller.production_id))]


@router.post(
    "/productions",
    response_model=ProductionOut,
    status_code=201,
    tags=["productions"],
    dependencies=[JsonBody],
)
def add_production(body: ProductionIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    require_role(caller)
    data = ProductionInput(**body.model_dump())
    return production_json(services.registry.add_production(data).value)


@router.get("/productions/{production_id}", response_model=ProductionOut, tags=["productions"])
def get_production(production_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    require_role(caller, Role.PRODUCTION)
    require_production(caller, production_id)
    return production_json(services.registry.get_production(production_id))


@router.get("/accounts", response_model=list[AccountOut], tags=["accounts"])
def list_accounts(caller: Caller, services: ServicesDep) -> list[dict[str, Any]]:
    require_role(caller)
    return [account_json(a) for a in services.accounts.list_accounts()]


@router.post(
    "/accounts",
    response_model=AccountOut,
    status_code=201,
    tags=["accounts"],
    dependencies=[JsonBody],
)
def add_account(body: AccountIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    require_role(caller)
    account = services.accounts.add_account(
        body.name, body.role, performer_id=body.performer_id, production_id=body.production_id
    )
    return account_json(account)


@router.post(
    "/accounts/{account_id}/keys",
    response_model=NewApiKeyOut,
    status_code=201,
    tags=["accounts"],
    dependencies=[JsonBody],
)
def create_key(
    account_id: str, body: ApiKeyIn, caller: Caller, services: ServicesDep
) -> dict[str, Any]:
    """A new API key; its token is in this answer only."""
    require_role(caller)

    lifetime = None if body.expires_in_days is None else timedelta(days=body.expires_in_days)
    issued = services.accounts.create_api_key(account_id, body.label, expires_in=lifetime)
    return {**api_key_json(issued.key), "token": issued.token}


@router.delete("/keys/{key_id}", response_model=ApiKeyOut, tags=["accounts"])
def revoke_key(key_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    require_role(caller)
    return api_key_json(services.accounts.revoke_api_key(key_id))
