"""What every portal page shares: templates, the session and its CSRF check, errors."""

from __future__ import annotations

import contextlib
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from likeness.bootstrap import Services
from likeness.errors import (
    AuthenticationError,
    LikenessError,
    PermissionDeniedError,
    SessionEndedError,
)
from likeness.services.logins import OpenSession, same_token
from likeness.settings import Environment

SESSION_COOKIE = "ll_session"
LOGIN_CSRF_COOKIE = "ll_login_csrf"
# Where api/gate.py leaves the session it checked before the body, for the route.
GATE_SESSION = "likeness.session"

templates = Jinja2Templates(directory=str(resources.files("likeness.api") / "templates"))


class LoginRequired(Exception):
    """No live session: the portal answers with a redirect to the login page, which says
    why when the session was ended everywhere (``reason``, a ``SessionEnd`` value)."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def secure(request: Request) -> bool:
    return (
        services_of(request).settings.environment is Environment.PRODUCTION
        or request.url.scheme == "https"
    )


def open_session(services: Services, token: str | None) -> OpenSession:
    """The live session of a cookie, or ``LoginRequired`` (with why it ended, if it was)."""
    if not token:
        raise LoginRequired
    try:
        return services.logins.session(token)
    except SessionEndedError as exc:
        raise LoginRequired(exc.reason) from None
    except AuthenticationError:
        raise LoginRequired from None


def current_session(request: Request) -> OpenSession:
    token = request.cookies.get(SESSION_COOKIE)
    checked = request.scope.get("state", {}).get(GATE_SESSION)
    if isinstance(checked, OpenSession) and checked.token == token:
        return checked
    return open_session(services_of(request), token)


Session = Annotated[OpenSession, Depends(current_session)]


async def check_csrf(request: Request, session: Session) -> OpenSession:
    """Refuse a state-changing request without this session's CSRF token."""
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        field = form.get("csrf_token")
        given = field if isinstance(field, str) else None
    if not same_token(given, session.csrf_token):
        raise PermissionDeniedError(
            "the form's security token is missing or stale (CSRF protection)",
            hint="reload the page and submit the form again",
        )
    return session


Csrf = Annotated[OpenSession, Depends(check_csrf)]


def page(
    request: Request,
    name: str,
    session: OpenSession | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    context |= {
        "session": session,
        "account": None if session is None else session.account,
        "flash": request.query_params.get("flash"),
    }
    return templates.TemplateResponse(request, name, context, status_code=status)


def back(url: str, flash: str) -> RedirectResponse:
    return RedirectResponse(f"{url}?flash={quote(flash)}", status_code=303)


def portal_error(request: Request, exc: LikenessError, status: int) -> HTMLResponse:
    session = None
    with contextlib.suppress(LoginRequired):
        session = current_session(request)
    return page(request, "error.html", session, status=status, message=exc.diagnostics())


def login_redirect(request: Request, reason: str | None = None) -> Response:
    target = "/login" if reason is None else f"/login?ended={quote(reason)}"
    if request.headers.get("hx-request"):  # htmx follows this header, not a 303
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def is_portal(path: str) -> bool:
    return path == "/" or path.startswith(("/portal", "/login", "/logout"))


def split_lines(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(";", "\n").splitlines() if part.strip())


def problem(exc: Exception) -> str:
    """What to show in a form for a refused value: a domain error, or the fields the
    request model refused."""
    if isinstance(exc, LikenessError):
        return exc.diagnostics()
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
    return str(exc)
