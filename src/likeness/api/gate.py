"""Authentication before bodies (pure ASGI middleware).

Every route under ``/v1`` needs an API key, and every portal request that can carry a
body needs a live session. The gate checks them from the headers alone — the key
against the key cache (``AccountService.authenticate``, microseconds on a hit), the
session cookie against the database — and refuses a request without valid credentials
before a byte of its body is read: a 20 MiB upload from nobody costs the server its
headers, not a parse. The refusal says why, in the API's one error envelope (a portal
request is sent to the login page), and closes the connection rather than drain the
body.

What the gate found is handed to the route through ``scope["state"]`` (``GATE_CALLER``,
``GATE_SESSION``), so a key is checked once per request, not twice. The one public
route that reads a body, the login form, may send only a few kilobytes.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request, cookie_parser
from starlette.responses import Response

from likeness.api.deps import GATE_CALLER, MISSING_KEY, MISSING_KEY_HINT
from likeness.api.errors import likeness_error_response
from likeness.api.limits import ASGIApp, BodyLimit, Receive, Scope, Send
from likeness.api.portal.pages import (
    GATE_SESSION,
    SESSION_COOKIE,
    LoginRequired,
    login_redirect,
)
from likeness.domain.account import Account
from likeness.errors import AuthenticationError, LikenessError
from likeness.services.logins import OpenSession

API_PREFIX = "/v1/"
SESSION_PREFIXES = ("/portal", "/logout")
LOGIN_PATH = "/login"
LOGIN_FORM_BYTES = 16 * 1024  # a username, a password and a token, with room to spare
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})


class Gate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticate: Callable[[str], Account],
        session: Callable[[str | None], OpenSession],
    ) -> None:
        self._app = app
        self._authenticate = authenticate
        self._session = session
        self._login = BodyLimit(
            app, LOGIN_FORM_BYTES, hint="the login form sends a username and a password only"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(API_PREFIX):
            await self._with_key(scope, receive, send)
        elif scope["method"] in _BODYLESS:
            await self._app(scope, receive, send)
        elif path.startswith(SESSION_PREFIXES):
            await self._with_session(scope, receive, send)
        elif path == LOGIN_PATH:
            await self._login(scope, receive, send)
        else:
            await self._app(scope, receive, send)

    async def _with_key(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            account = self._authenticate(_bearer(scope))
        except LikenessError as exc:  # a refusal, or a store that cannot answer (503)
            await _refuse(likeness_error_response(exc), scope, receive, send)
            return
        scope.setdefault("state", {})[GATE_CALLER] = account
        await self._app(scope, receive, send)

    async def _with_session(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _cookies(scope).get(SESSION_COOKIE)
        try:
            # A database read: off the event loop (the portal is not a hot path).
            session = await run_in_threadpool(self._session, token)
        except LoginRequired as exc:
            await _refuse(login_redirect(Request(scope), exc.reason), scope, receive, send)
            return
        except LikenessError as exc:  # the store cannot answer: no page without a session
            await _refuse(likeness_error_response(exc), scope, receive, send)
            return
        scope.setdefault("state", {})[GATE_SESSION] = session
        await self._app(scope, receive, send)


async def _refuse(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    # The body was not read: close the connection rather than drain it.
    response.headers["connection"] = "close"
    await response(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _bearer(scope: Scope) -> str:
    """The token of ``Authorization: Bearer <token>``; refuses anything else as HTTPBearer
    would (the route's declared security scheme)."""
    scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(MISSING_KEY, hint=MISSING_KEY_HINT)
    return token


def _cookies(scope: Scope) -> dict[str, str]:
    header = _header(scope, b"cookie")
    return {} if header is None else cookie_parser(header)
