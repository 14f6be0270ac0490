"""Progress of long work that is not a scan job (a scan's own page is in scans.py): the
watch page, where an admin sees the watched sources and recent runs, adds a source,
runs the watcher now in the background and follows or cancels the run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from likeness.api.portal.labels import production_titles
from likeness.api.portal.pages import Csrf, Session, back, page, services_of
from likeness.api.present import task_json
from likeness.domain.account import Role
from likeness.services.access import require_role

router = APIRouter(include_in_schema=False)
RECENT_ITEMS = 20


@router.get("/portal/watch")
def watch_page(request: Request, session: Session) -> HTMLResponse:
    require_role(session.account, Role.ADMIN)
    services = services_of(request)
    sources = services.watch.sources()
    runs = services.watch_runs.runs(session.account)
    items = sorted(services.watch.items(), key=lambda i: i.seen_at, reverse=True)
    productions = services.registry.list_productions()
    return page(
        request,
        "watch.html",
        session,
        sources=sources,
        runs=[{"id": t.id, **task_json(t)} for t in runs],
        items=items[:RECENT_ITEMS],
        source_urls={s.id: s.url for s in sources},
        titles=production_titles(services, (s.production_id for s in sources)),
        productions=productions,
    )


@router.post("/portal/watch/sources")
def add_source(
    request: Request,
    session: Csrf,
    url: Annotated[str, Form(min_length=1, max_length=2000)],
    production_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Watch a feed, listing or folder (as ``likeness watch add``); an empty production
    is any production (decided against none: only declared replicas are flagged)."""
    require_role(session.account, Role.ADMIN)
    source = services_of(request).watch.add(
        url.strip(), production_id or None, added_by=session.account.id
    )
    return back("/portal/watch", f"Watching {source.url}.")


@router.post("/portal/watch/run")
def run_now(request: Request, session: Csrf) -> Response:
    require_role(session.account, Role.ADMIN)
    task = services_of(request).watch_runs.start(session.account)
    return back(f"/portal/watch/runs/{task.id}", "The watcher is running.")


@router.get("/portal/watch/runs/{task_id}")
def run_page(request: Request, task_id: str, session: Session) -> HTMLResponse:
    """A run's progress; htmx polls it for the status part alone while it runs."""
    require_role(session.account, Role.ADMIN)
    task = services_of(request).watch_runs.get(session.account, task_id)
    name = "_watch_run_status.html" if request.headers.get("hx-request") else "watch_run.html"
    return page(request, name, session, run={"id": task.id, **task_json(task)})


@router.post("/portal/watch/runs/{task_id}/cancel")
def cancel_run(request: Request, task_id: str, session: Csrf) -> Response:
    require_role(session.account, Role.ADMIN)
    task = services_of(request).watch_runs.cancel(session.account, task_id)
    if task.status.finished:  # no live process held it: ended now
        return back(f"/portal/watch/runs/{task_id}", "Cancelled.")
    return back(f"/portal/watch/runs/{task_id}", "Cancelling: the run stops at its next step.")
