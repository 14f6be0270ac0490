"""One JSON error envelope for every error the API returns.

    {"error": {"status": 404, "kind": "not_found", "message": "...", "hint": "..."}}

Every ``ErrorKind`` maps to an HTTP status here and nowhere else (the CLI maps the
same kinds to exit codes in ``cli/app.py``); a test fails on a kind without one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from likeness.errors import ErrorKind, InvalidInputError, LikenessError

log = logging.getLogger(__name__)

STATUS_BY_KIND: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorKind.PAYLOAD_TOO_LARGE: 413,
    ErrorKind.CONFIGURATION: 503,
    ErrorKind.STORE: 503,
    ErrorKind.HOME: 503,
    ErrorKind.INTEGRITY: 500,
    ErrorKind.UPSTREAM: 502,
    ErrorKind.ERROR: 500,
}
KIND_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    500: "error",
    502: "upstream",
}


class ErrorBody(BaseModel):
    status: int
    kind: str
    message: str
    hint: str | None = None
    details: list[dict[str, Any]] | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


# Declared on every route so clients (and schemathesis) know the envelope.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": kind.replace("_", " ")}
    for status, kind in KIND_BY_STATUS.items()
    if status != 405
}


def envelope(
    status: int,
    message: str,
    *,
    kind: str | None = None,
    hint: str | None = None,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(
        status=status,
        kind=kind or KIND_BY_STATUS.get(status, "error"),
        message=message,
        hint=hint,
        details=details,
    )
    return JSONResponse(
        ErrorEnvelope(error=body).model_dump(exclude_none=True), status_code=status, headers=headers
    )


def likeness_error_response(exc: LikenessError) -> JSONResponse:
    status = STATUS_BY_KIND[exc.kind]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return envelope(status, exc.message, kind=exc.kind, hint=exc.hint, headers=headers)


HtmlErrors = Callable[[Request, LikenessError, int], Response]

# How a page names what a refused form field lacked (pydantic's error types), in words.
_FIELD_PROBLEMS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda _: "nothing was given",
    "string_too_long": lambda c: f"longer than {c.get('max_length')} characters",
    "string_too_short": lambda c: f"shorter than {c.get('min_length')} characters",
    "string_pattern_mismatch": lambda _: "not one of the choices the form offers",
}


def form_problem(errors: list[dict[str, Any]]) -> InvalidInputError:
    """A refused form as a portal page says it: each field by its name in words
    ("current password: longer than 1024 characters"), not a JSON pointer."""
    said = []
    for error in errors:
        field = str(error.get("loc", ("", "the form"))[-1]).replace("_", " ")
        ctx = error.get("ctx") or {}
        words = _FIELD_PROBLEMS.get(error.get("type", ""))
        said.append(f"{field}: {words(ctx) if words else str(error.get('msg', 'not valid'))}")
    return InvalidInputError(
        f"the form was refused: {'; '.join(said)}",
        hint="go back, correct what is named, and send the form again",
    )


# What a portal page says of an HTTP error FastAPI raises itself, by status.
_PAGE_ERRORS = {
    404: "there is no page at this address",
    405: "this page does not take that kind of request",
}


def install(app: FastAPI, *, is_html: Callable[[str], bool], html_error: HtmlErrors) -> None:
    """Errors on the portal's pages (``is_html(path)``) are pages; all others are JSON."""

    @app.exception_handler(LikenessError)
    async def _likeness(request: Request, exc: LikenessError) -> Response:
        if is_html(request.url.path):
            return html_error(request, exc, STATUS_BY_KIND[exc.kind])
        return likeness_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if is_html(request.url.path):  # a form sent from a page: answer with a page
            return html_error(request, form_problem(list(exc.errors())), 422)
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e["type"]}
            for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return envelope(400, "the body is not valid JSON", details=errors)
        where = "; ".join(f"{'.'.join(e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in errors)
        return envelope(422, f"invalid request: {where}", kind="invalid", details=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        cause = exc.__cause__ if isinstance(exc.__cause__, LikenessError) else None
        if is_html(request.url.path):
            said = cause or LikenessError(_PAGE_ERRORS.get(exc.status_code, str(exc.detail)))
            status = STATUS_BY_KIND[cause.kind] if cause else exc.status_code
            answer = html_error(request, said, status)
            answer.headers.update(exc.headers or {})
            return answer
        if cause is not None:  # raised while the body was parsed
            return likeness_error_response(cause)
        return envelope(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return envelope(500, "an unexpected error occurred; it has been logged")
