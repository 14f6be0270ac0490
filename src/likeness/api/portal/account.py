"""Your own account: change your password, see and end your signed-in devices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from likeness.api.portal.pages import (
    SESSION_COOKIE,
    Csrf,
    Session,
    back,
    page,
    problem,
    secure,
    services_of,
)
from likeness.errors import AuthenticationError, LikenessError, NotFoundError
from likeness.services.logins import SESSION_LIFETIME, OpenSession

router = APIRouter(include_in_schema=False)
PASSWORD_FIELD = 1024  # characters: as the login form


def _account_page(
    request: Request,
    session: OpenSession,
    *,
    status: int = 200,
    change_error: str | None = None,
    device_error: str | None = None,
) -> HTMLResponse:
    return page(
        request,
        "account.html",
        session,
        status=status,
        devices=services_of(request).logins.devices(session.token),
        change_error=change_error,
        device_error=device_error,
    )


@router.get("/portal/account")
def account_page(request: Request, session: Session) -> HTMLResponse:
    return _account_page(request, session)


@router.post("/portal/account/password")
def change_password(
    request: Request,
    session: Csrf,
    current_password: Annotated[str, Form(max_length=PASSWORD_FIELD)],
    new_password: Annotated[str, Form(max_length=PASSWORD_FIELD)],
    repeat_password: Annotated[str, Form(max_length=PASSWORD_FIELD)],
) -> Response:
    if new_password != repeat_password:
        return _account_page(
            request,
            session,
            status=400,
            change_error="The two new passwords differ; the password was not changed. "
            "Type the new password twice, the same way.",
        )
    try:
        opened = services_of(request).logins.change_password(
            session.token,
            current_password,
            new_password,
            address=None if request.client is None else request.client.host,
        )
    except LikenessError as exc:
        status = 401 if isinstance(exc, AuthenticationError) else 400
        return _account_page(
            request, session, status=status, change_error=f"Not changed: {problem(exc)}"
        )
    response = back(
        "/portal/account",
        "Password changed. Every other device was signed out; this one has a new session.",
    )
    # The old cookie ended with the change (services/logins.py): this browser gets the new one.
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        httponly=True,
        samesite="lax",
        secure=secure(request),
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )
    return response


@router.post("/portal/account/devices/{handle}/end")
def end_device(request: Request, handle: str, session: Csrf) -> Response:
    try:
        ended = services_of(request).logins.end_device(session.token, handle)
    except NotFoundError as exc:
        return _account_page(
            request, session, status=404, device_error=f"Nothing ended: {problem(exc)}"
        )
    if ended.current:  # as logging out
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response
    where = f" ({ended.address})" if ended.address else ""
    return back("/portal/account", f"Signed out {ended.label}{where}.")
