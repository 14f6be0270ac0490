"""Dependencies shared by the API's routes: the services, the caller, body types.

All are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency on a worker
thread, a hop that costs more than anything these do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from likeness.bootstrap import Services
from likeness.domain.account import Account
from likeness.errors import AuthenticationError, UnsupportedMediaTypeError

MISSING_KEY = "this endpoint needs an API key"
MISSING_KEY_HINT = "send 'Authorization: Bearer llk_<id>_<secret>' (see 'likeness apikey create')"
# Where api/gate.py leaves the account whose key it checked before the body was read.
GATE_CALLER = "likeness.caller"

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key from 'likeness apikey create': llk_<id>_<secret>.",
)


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Account:
    checked = request.scope.get("state", {}).get(GATE_CALLER)
    if isinstance(checked, Account):
        return checked
    if credentials is None:
        raise AuthenticationError(MISSING_KEY, hint=MISSING_KEY_HINT)
    # On the event loop: a cache hit costs microseconds; a miss is one short indexed read,
    # cheaper than the hop to a worker thread that every request would otherwise pay.
    account: Account = request.app.state.authenticate(credentials.credentials)
    return account


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def json_body(request: Request) -> None:
    if _media_type(request) != "application/json":
        raise UnsupportedMediaTypeError(
            "this endpoint reads application/json, not "
            f"{_media_type(request) or 'an untyped body'}",
            hint="send the body as JSON with 'Content-Type: application/json'",
        )


async def multipart_body(request: Request) -> None:
    if _media_type(request) != "multipart/form-data":
        raise UnsupportedMediaTypeError(
            f"this endpoint reads multipart/form-data uploads, not "
            f"{_media_type(request) or 'an untyped body'}",
            hint="upload files as multipart/form-data (curl -F file=@photo.jpg ...)",
        )


ServicesDep = Annotated[Services, Depends(get_services)]
Caller = Annotated[Account, Depends(get_caller)]
JsonBody = Depends(json_body)
MultipartBody = Depends(multipart_body)
