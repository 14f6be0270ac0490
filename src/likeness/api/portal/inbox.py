"""The inbox: what waits for the signed-in person, by role, each item linking to the page
where it is handled. Read from the same services (and access rules) as the dashboards;
nothing is stored for it, so an item leaves the inbox once it is handled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from likeness.api.portal.labels import performer_names, production_titles
from likeness.api.portal.pages import Session, page, services_of
from likeness.bootstrap import Services
from likeness.domain.account import Account, Role
from likeness.domain.lifecycle import Status
from likeness.domain.scan_job import ScanJobStatus
from likeness.domain.takedown import TakedownStatus
from likeness.domain.webhook import DeliveryStatus, Webhook
from likeness.services.access import PERFORMER_SIDE

router = APIRouter(include_in_schema=False)

RECENT = timedelta(days=30)  # answers and finished scans stay in a production's inbox this long
FAILED_RECENT = timedelta(days=7)  # failed webhook deliveries
MOST = 50  # items shown per group; the rest are counted

_TAKEDOWN_NEXT = {
    TakedownStatus.DRAFTED: "print, sign and send it, then record that it was sent",
    TakedownStatus.SENT: "record the host's answer when it comes",
    TakedownStatus.ACKNOWLEDGED: "record whether the material was removed or refused",
}


@dataclass(frozen=True)
class Item:
    text: str
    href: str
    link: str  # the link's words: what to do there
    at: datetime | date | None = None
    ref: str | None = None  # an id shown beside the text (a chip), never instead of it


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    items: tuple[Item, ...]
    more: int = 0  # not shown (past ``MOST``)


def _group(key: str, title: str, items: Iterable[Item]) -> Group:
    listed = sorted(items, key=_newest_first)
    return Group(key, title, tuple(listed[:MOST]), max(0, len(listed) - MOST))


def _newest_first(item: Item) -> float:
    at = item.at
    if at is None:
        return 0.0
    if not isinstance(at, datetime):
        at = datetime(at.year, at.month, at.day, tzinfo=UTC)
    return -at.timestamp()


def _performer_side(services: Services, account: Account) -> list[Group]:
    assert account.performer_id is not None
    performer_id = account.performer_id
    consents = services.consents.find(performer_id=performer_id)
    flags = services.scans.flags_for(performer_id)
    takedowns = services.takedowns.listed(account)
    titles = production_titles(
        services, [c.production_id for c in consents] + [f.production_id for f in flags]
    )
    requests = [
        Item(
            f"{titles[c.production_id]} asks for consent: {c.request.description.project} "
            f"({'; '.join(c.request.description.purposes)})",
            f"/portal/consents/{c.id}",
            "Read and answer",
            c.requested_at,
            c.id,
        )
        for c in consents
        if c.status is Status.REQUESTED
    ]
    answered = {t.flag_id for t in takedowns}
    unconsented = [
        Item(
            f"Your {f.modality.value} in {f.media}, {f.start}–{f.end} s: no consent covers it "
            f"({titles[f.production_id] if f.production_id else 'found outside any production'})",
            "/portal#flagged-h",
            "Draft a takedown notice",
            f.flagged_at,
        )
        for f in flags
        if f.log_index not in answered
    ]
    steps = [
        Item(
            f"Takedown notice for {t.location} ({t.status.value}): {_TAKEDOWN_NEXT[t.status]}",
            "/portal#takedowns-h",
            "Record a step",
            t.updated_at,
        )
        for t in takedowns
        if t.status in _TAKEDOWN_NEXT
    ]
    # No retention warning here: signing in restarts the schedule's clock (domain/retention.py)
    return [
        _group("requests", "Consent requests waiting for your answer", requests),
        _group("flags", "Appearances no consent covers", unconsented),
        _group("takedowns", "Takedown notices waiting for your next step", steps),
    ]


def _production(services: Services, account: Account) -> list[Group]:
    assert account.production_id is not None
    since = services.clock.now() - RECENT
    consents = services.consents.find(production_id=account.production_id)
    names = performer_names(services, [c.performer_id for c in consents])
    answers = [
        Item(
            f"{names[c.performer_id]} {'granted' if c.status is Status.GRANTED else 'denied'} "
            f"consent for {c.request.description.project}",
            f"/portal/consents/{c.id}",
            "Open the consent",
            c.answered_at,
            c.id,
        )
        for c in consents
        if c.answered_at is not None
        and c.answered_at >= since
        and c.status in (Status.GRANTED, Status.DENIED)
    ]
    flagged, finished = [], []
    for job in services.scan_jobs.jobs(account.production_id):
        if job.finished_at is None or job.finished_at < since:
            continue
        media = ", ".join(job.media) or "uploaded media"
        if job.status is ScanJobStatus.FAILED:
            finished.append(
                Item(
                    f"The scan of {media} failed: {job.error or 'no reason was recorded'}",
                    f"/portal/scans/{job.id}",
                    "See the scan",
                    job.finished_at,
                )
            )
            continue
        if job.status is not ScanJobStatus.DONE:
            continue  # cancelled: nothing to act on
        stats = None if job.report is None else job.report.stats()
        if stats is not None and stats.not_covered:
            flagged.append(
                Item(
                    f"The scan of {media} found {stats.not_covered} appearance"
                    f"{'s' if stats.not_covered != 1 else ''} no consent covers",
                    f"/portal/scans/{job.id}",
                    "Review the appearances",
                    job.finished_at,
                )
            )
        elif stats is not None and stats.errors:
            finished.append(
                Item(
                    f"The scan of {media} finished, but {_files(stats.errors)} could not be "
                    "scanned: nothing uncovered in the rest",
                    f"/portal/scans/{job.id}",
                    "See which",
                    job.finished_at,
                )
            )
        else:
            finished.append(
                Item(
                    f"The scan of {media} finished: nothing uncovered",
                    f"/portal/scans/{job.id}",
                    "See the results",
                    job.finished_at,
                )
            )
    return [
        _group("answers", "Consent requests answered in the last 30 days", answers),
        _group("scan-flags", "Appearances no consent covers in your scans", flagged),
        _group("scans", "Scans finished in the last 30 days", finished),
    ]


def _failed_deliveries(services: Services, account: Account, hooks: list[Webhook]) -> list[Item]:
    """One item per webhook with deliveries given up on in the last week."""
    since = services.clock.now() - FAILED_RECENT
    href = "/portal/admin/webhooks" if account.role is Role.ADMIN else "/portal/webhooks"
    items = []
    for hook in hooks:
        failed = [
            d
            for d in services.webhooks.deliveries(account, hook.id)
            if d.status is DeliveryStatus.FAILED and d.created_at >= since
        ]
        if failed:
            last = max(failed, key=lambda d: d.created_at)
            reason = last.last_error or (
                f"HTTP {last.last_status}" if last.last_status else "no answer"
            )
            items.append(
                Item(
                    f"{len(failed)} deliver{'ies' if len(failed) != 1 else 'y'} to {hook.url} "
                    f"failed in the last 7 days (last: {reason})",
                    href,
                    "See the delivery log",
                    last.created_at,
                    hook.id,
                )
            )
    return items


def _oversight(services: Services, account: Account) -> list[Group]:
    """Admins and auditors: what the schedule and the calibrations call for."""
    report = services.retention.run(dry_run=True)  # changes nothing
    names = performer_names(
        services, [s.holding.performer_id for s in (*report.destroyed, *report.warned)]
    )
    admin = account.role is Role.ADMIN
    retention_href = "/portal/admin/retention" if admin else "/retention"
    due = [
        Item(
            f"{names[s.holding.performer_id]}: biometric data past its retention deadline "
            f"({s.holding.destroy_on:%Y-%m-%d}), to be destroyed",
            retention_href,
            "Run the retention schedule" if admin else "Read the schedule",
            s.holding.destroy_on,
        )
        for s in report.destroyed
    ] + [
        Item(
            f"{names[s.holding.performer_id]}: to be warned that their biometric data is "
            f"destroyed on {s.holding.destroy_on:%Y-%m-%d}",
            retention_href,
            "Run the retention schedule" if admin else "Read the schedule",
            s.holding.destroy_on,
        )
        for s in report.warned
    ]
    unshown = [
        Item(
            f"The {c.modality.value} calibration of {c.model_id} in force does not show its "
            f"target false-match rate {c.target_fmr:g} (upper bound {c.fmr.upper:.4g})",
            "/portal/calibration",
            "See the calibration",
            c.created_at,
            c.id,
        )
        for c in services.calibrations.all()
        if c.active and not c.demonstrated
    ]
    groups = [
        _group("retention", "Retention of biometric data", due),
        _group("calibration", "Match thresholds", unshown),
    ]
    if admin:
        hooks = [
            h for a in services.accounts.list_accounts() for h in services.webhooks.webhooks(a)
        ]
        groups.append(
            _group(
                "webhooks",
                "Failed webhook deliveries",
                _failed_deliveries(services, account, hooks),
            )
        )
    return groups


def inbox(services: Services, account: Account) -> list[Group]:
    if account.role in PERFORMER_SIDE:
        groups = _performer_side(services, account)
    elif account.role is Role.PRODUCTION:
        groups = _production(services, account)
    elif account.role in (Role.ADMIN, Role.AUDITOR):
        return _oversight(services, account)
    else:
        groups = []
    own = _failed_deliveries(services, account, services.webhooks.webhooks(account))
    return [*groups, _group("webhooks", "Failed webhook deliveries", own)]


@router.get("/portal/inbox")
def inbox_page(request: Request, session: Session) -> HTMLResponse:
    groups = inbox(services_of(request), session.account)
    waiting = sum(len(g.items) + g.more for g in groups)
    return page(request, "inbox.html", session, groups=groups, waiting=waiting)


def _files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"
