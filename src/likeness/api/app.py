"""The HTTP service: the REST API under ``/v1``, the log under ``/log``, and the portal.

``create_app(services)`` is the one place the web application is assembled; the CLI's
``likeness serve`` runs it under uvicorn, in one process or in each of several
(``--workers``). Database work runs on worker threads (sync routes), and recognition
and scans always leave the event loop (``run_in_threadpool`` or the scan-job pool), so
one slow scan never stalls the API. Background tasks that must run once however many
processes serve (webhook delivery, the retention schedule) run under a leader lock
(``services/leadership.py``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from likeness import __version__
from likeness.api import errors, portal
from likeness.api.gate import Gate
from likeness.api.limits import BodyLimit
from likeness.api.logserver import PREFIX, ASGIApp, Receive, Scope, Send, create_log_app
from likeness.api.portal.pages import open_session
from likeness.api.routes_accounts import router as accounts
from likeness.api.routes_consents import router as consents
from likeness.api.routes_credentials import router as credentials
from likeness.api.routes_log import public as health
from likeness.api.routes_log import router as log
from likeness.api.routes_registry import router as registry
from likeness.api.routes_scans import router as scans
from likeness.api.routes_takedowns import router as takedowns
from likeness.api.routes_uses import router as uses
from likeness.api.routes_webhooks import router as webhooks
from likeness.bootstrap import Services
from likeness.services.leadership import Task, WhileLeader
from likeness.services.watch import WatchDispatcher
from likeness.services.webhooks import WebhookDispatcher
from likeness.services.witnesses import WitnessDispatcher

log_ = logging.getLogger(__name__)

DESCRIPTION = """Consent, compensation and a verifiable ledger for performers' digital replicas.

Authenticate with an API key (`Authorization: Bearer llk_<id>_<secret>`). Every error
has the same JSON envelope: `{"error": {"status", "kind", "message", "hint"}}`.
"""


def create_app(
    services: Services,
    *,
    deliver_webhooks: bool = True,
    background: Mapping[str, Callable[[], Task]] | None = None,
    close_services: bool = False,
) -> Any:
    """The ASGI application: FastAPI inside a request-size limit, inside the gate that
    refuses requests without credentials before their bodies are read.

    While it runs, webhooks are delivered (``deliver_webhooks``) and each task of
    ``background`` (by name) runs, each in one process only of all those serving this
    store. ``close_services``: close ``services`` when the application stops (a worker
    process that built them for itself)."""
    tasks = dict(background or {})
    if deliver_webhooks:
        tasks["webhooks"] = lambda: WebhookDispatcher(
            services.webhooks.deliver_due,
            on_error=lambda exc: log_.error("webhook delivery failed: %s", exc),
        )
        tasks["watch"] = lambda: WatchDispatcher(
            services.watch.run,
            interval=services.settings.watch_interval_seconds,
            on_error=lambda exc: log_.error("watching sources failed: %s", exc),
        )
        tasks["witnesses"] = lambda: WitnessDispatcher(
            services.witnesses.sync,
            on_error=lambda exc: log_.error("sending the checkpoint to witnesses failed: %s", exc),
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        interrupted = services.scan_jobs.interrupt_unfinished()
        if interrupted:
            log_.warning("%d scan job(s) were cut short by a stop", interrupted)
        interrupted = services.watch_runs.interrupt_unfinished()
        if interrupted:
            log_.warning("%d watch run(s) were cut short by a stop", interrupted)
        leaders = [
            WhileLeader(services.leader_lock(name), make, name=name) for name, make in tasks.items()
        ]
        for leader in leaders:
            leader.start()
        try:
            yield
        finally:
            for leader in leaders:
                leader.stop()
            if close_services:
                services.close()

    app = FastAPI(
        title="Likeness Ledger",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = services
    app.state.authenticate = services.accounts.authenticate
    errors.install(app, is_html=portal.is_portal, html_error=portal.portal_error)
    app.add_exception_handler(
        portal.LoginRequired,
        lambda request, exc: portal.login_redirect(request, exc.reason),
    )
    for router in (
        registry,
        accounts,
        consents,
        uses,
        scans,
        credentials,
        takedowns,
        webhooks,
        log,
    ):
        app.include_router(router)
    app.include_router(health)
    app.include_router(portal.router)
    static = resources.files("likeness.api") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    gated = Gate(
        BodyLimit(app, services.settings.max_upload_bytes),
        authenticate=services.accounts.authenticate,
        session=lambda token: open_session(services, token),
    )
    return LogFirst(create_log_app(services.ledger), gated)


class LogFirst:
    """Sends /log/... to the log's own small ASGI app (tiles are the most requested
    and cheapest answers: FastAPI's routing would halve their rate), the rest to
    the API and portal."""

    def __init__(self, log: ASGIApp, app: ASGIApp) -> None:
        self._log = log
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX + "/"):
            await self._log(scope, receive, send)
        else:
            await self._app(scope, receive, send)


def fastapi_app(asgi: Any) -> FastAPI:
    """The FastAPI application inside ``create_app``'s wrapper (for tests and tools)."""
    inner = asgi
    while not isinstance(inner, FastAPI):
        inner = inner._app
    return inner
