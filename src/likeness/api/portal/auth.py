"""Logging in and out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from likeness.api.portal.pages import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Csrf,
    page,
    secure,
    services_of,
)
from likeness.domain.account import SessionEnd
from likeness.errors import (
    AuthenticationError,
)
from likeness.services.logins import same_token

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> RedirectResponse:
    return RedirectResponse("/portal" if request.cookies.get(SESSION_COOKIE) else "/login", 303)


def _ended(request: Request) -> str | None:
    """Why the visitor's last session ended, when it was ended everywhere (the login page
    says so rather than leave them wondering); only the known reasons are shown."""
    reason = request.query_params.get("ended")
    known = {end.value: end for end in SessionEnd}
    if reason not in known:
        return None
    message = known[reason].message
    return f"{message[:1].upper()}{message[1:]}."


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", None, csrf=token, error=_ended(request))
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure(request)
    )
    return response


@router.post("/login")
def log_in(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return page(
            request,
            "login.html",
            None,
            status=403,
            csrf=request.cookies.get(LOGIN_CSRF_COOKIE, ""),
            error="The form's security token is missing or stale. Reload the page and try again.",
        )
    try:
        opened = services_of(request).logins.log_in(
            username,
            password,
            address=None if request.client is None else request.client.host,
            user_agent=request.headers.get("user-agent"),
        )
    except AuthenticationError as exc:
        return page(request, "login.html", None, status=401, csrf=csrf_token, error=exc.message)
    response = RedirectResponse("/portal", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        httponly=True,
        samesite="lax",
        secure=secure(request),
        max_age=12 * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def log_out(request: Request, session: Csrf) -> RedirectResponse:
    services_of(request).logins.log_out(session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
