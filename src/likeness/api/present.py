"""Typed results as JSON: the one module that shapes the bodies of the HTTP API, the
portal's data and the CLI's ``--json`` output (the same record, the same shape).

Decisions and uses keep the one JSON form they have in the log and the database
(``Decision.to_json``, ``UseReport.to_json``); scan reports, their documented format
(``scan/report.py``). Nothing here imports FastAPI, so the CLI can use it.
"""

from __future__ import annotations

import base64
from collections import Counter
from datetime import date, datetime
from typing import Any

from likeness.domain.account import Account, ApiKey
from likeness.domain.decision import Audience, Decision
from likeness.domain.lifecycle import ConsentRecord
from likeness.domain.performer import Performer
from likeness.domain.production import Production
from likeness.domain.retention import Holding
from likeness.domain.takedown import Takedown, TakedownStep
from likeness.domain.task import Task
from likeness.domain.use import ReportedUse
from likeness.domain.webhook import Delivery, DeliveryStatus, Webhook
from likeness.services.checks import CheckResult
from likeness.services.enrolment import Enrolment
from likeness.services.enrolment_phrase import Phrase
from likeness.services.events import Recorded, modality_list
from likeness.services.gallery import Identification, Match
from likeness.services.retention import RetentionPolicy, RetentionReport, RetentionStep
from likeness.services.scan_jobs import ScanJob
from likeness.services.takedowns import NoticeBundle
from likeness.services.uses import Statement


def plain(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# -- the registry and accounts ---------------------------------------------------------


def performer_json(p: Performer) -> dict[str, Any]:
    return {
        "id": p.id,
        "legal_name": p.legal_name,
        "professional_name": p.professional_name,
        "union": p.union,
        "member_number": p.member_number,
        "date_of_birth": plain(p.date_of_birth),
        "status": p.status.value,
        "date_of_death": plain(p.date_of_death),
        "domicile": p.domicile,
        "representatives": [
            {"name": r.name, "capacity": r.capacity.value, "contact": r.contact}
            for r in p.representatives
        ],
        "created_at": plain(p.created_at),
        "updated_at": plain(p.updated_at),
    }


def production_json(p: Production) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "company": p.company,
        "kind": p.kind.value,
        "agreement": p.agreement.value,
        "jurisdiction": p.jurisdiction,
        "start_date": plain(p.start_date),
        "end_date": plain(p.end_date),
        "created_at": plain(p.created_at),
    }


def account_json(a: Account) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "role": a.role.value,
        "performer_id": a.performer_id,
        "production_id": a.production_id,
        "created_at": plain(a.created_at),
        "disabled_at": plain(a.disabled_at),
    }


def api_key_json(k: ApiKey) -> dict[str, Any]:
    return {
        "id": k.id,
        "account_id": k.account_id,
        "label": k.label,
        "created_at": plain(k.created_at),
        "revoked_at": plain(k.revoked_at),
        "expires_at": plain(k.expires_at),
        "active": k.active,
    }


# -- consents, uses, statements, checks --------------------------------------------------


def consent_json(record: ConsentRecord, today: date, log_indexes: list[int]) -> dict[str, Any]:
    return {
        "id": record.id,
        "performer_id": record.performer_id,
        "production_id": record.production_id,
        "state": record.state_on(today),
        "status": record.status.value,
        "terms": record.request.to_json(),
        "requested_at": plain(record.requested_at),
        "granted_by": None if record.granted_by is None else record.granted_by.value,
        "signer": record.signer,
        "signed_separately": record.signed_separately,
        "clear_and_conspicuous": record.clear_and_conspicuous,
        "granted_at": plain(record.granted_at),
        "answered_at": plain(record.answered_at),
        "revoked_at": plain(record.revoked_at),
        "suspended": [{"from": plain(i.start), "until": plain(i.end)} for i in record.suspended]
        + (
            [{"from": plain(record.suspended_since), "until": None}]
            if record.suspended_since
            else []
        ),
        "log_indexes": log_indexes,
    }


def decision_json(decision: Decision) -> dict[str, Any]:
    return decision.to_json()


def use_json(use: ReportedUse) -> dict[str, Any]:
    return {
        "use_id": use.id,
        "performer_id": use.performer_id,
        "production_id": use.production_id,
        "date": use.use_date.isoformat(),
        "facts": use.report.to_json(),
        "log_index": use.log_index,
        "decision": use.decision.to_json(),
    }


def reported_use_json(use: ReportedUse) -> dict[str, Any]:
    """``likeness use report --json``: the use's id and entry, and its decision."""
    return {"use_id": use.id, "log_index": use.log_index, **use.decision.to_json()}


def statement_json(result: Statement) -> dict[str, Any]:
    return {
        "performer_id": result.performer_id,
        "from": result.start.isoformat(),
        "to": result.end.isoformat(),
        "uses": [_statement_line(u) for u in result.uses],
        "totals": [
            {"amount": f"{total.amount:.2f}", "currency": total.currency} for total in result.totals
        ],
        "reconciled": result.reconciles(),
    }


def _statement_line(use: ReportedUse) -> dict[str, Any]:
    decision = use.decision.to_json()
    return {
        "use_id": use.id,
        "date": use.use_date.isoformat(),
        "production_id": use.production_id,
        "decision": decision["decision"],
        "consent_id": decision["consent_id"],
        "compensation": decision["compensation"],
        "total": decision["total"],
        "log_index": use.log_index,
    }


def check_json(result: CheckResult, verifier_key: str) -> dict[str, Any]:
    """A check's answer, as its caller may read it, with the salt and record that open
    the log entry's commitment (docs/api.md: verifying what you were told)."""
    outsider = result.audience is Audience.OUTSIDER
    findings = []
    for f in result.findings:
        d = None if f.decision is None else f.decision.to_json()
        findings.append(
            {
                "performer_id": f.performer_id,
                "modality": modality_list(f.modalities),
                "where": [] if f.where is None else f.where.as_list(),
                "distance": f.distance,
                "calibration": f.calibration,
                "decision": f.outcome.value,
                "consent_id": None if d is None else d["consent_id"],
                "reasons": [] if d is None else d["reasons"],
                "warnings": [] if d is None else d["warnings"],
                "total": None if d is None or outsider else d["total"],
            }
        )
    return {
        "covered": result.covered,
        "findings": findings,
        "log_index": result.log_index,
        "receipt": result.receipt.to_json(),
        "verifier_key": verifier_key,
        "commitment": {
            "salt": base64.b64encode(result.salt).decode("ascii"),
            "record": dict(result.committed.record),
        },
    }


# -- recognition and scans ---------------------------------------------------------------


def enrolment_json(recorded: Recorded[Enrolment]) -> dict[str, Any]:
    return {
        "performer_id": recorded.value.performer_id,
        "template_ids": list(recorded.value.template_ids),
        "model_id": recorded.value.model_id,
        "notes": list(recorded.value.notes),
        "log_indexes": list(recorded.log_indexes),
    }


def phrase_json(phrase: Phrase) -> dict[str, Any]:
    return {
        "performer_id": phrase.performer_id,
        "phrase": phrase.text,
        "expires_at": phrase.expires_at.isoformat(),
        "token": phrase.token,
    }


def identification_json(result: Identification) -> dict[str, Any]:
    return {
        "media_sha256": result.media_sha256,
        "model_id": result.model_id,
        "threshold": result.threshold,
        "calibration": result.calibration,
        "faces": [{"box": _where(f)} | _match_json(f) for f in result.faces],
        "voices": [
            dict(zip(("start", "end"), _where(v) or [None, None], strict=True)) | _match_json(v)
            for v in result.voices
        ],
    }


def _where(match: Match) -> list[int] | list[float]:
    return [] if match.where is None else match.where.as_list()


def _match_json(match: Match) -> dict[str, Any]:
    return {
        "decision": match.decision.value,
        "performer_id": match.performer_id,
        "distance": match.distance,
        "suppressed": list(match.suppressed),
    }


def scan_job_json(job: ScanJob) -> dict[str, Any]:
    summary = None
    if job.report is not None:
        appearances = job.report.appearances()
        decisions = Counter(a.outcome.value for a in appearances)
        summary = {"appearances": len(appearances), "decisions": dict(decisions)}
    return {
        "id": job.id,
        "production_id": job.production_id,
        "status": job.status.value,
        "media": list(job.media),
        "options": job.options.to_json(),
        "error": job.error,
        "created_at": plain(job.created_at),
        "finished_at": plain(job.finished_at),
        "summary": summary,
        "credential": None if job.credential is None else job.credential.to_json(),
        "progress": None if job.progress is None else task_json(job.progress),
    }


def task_json(task: Task) -> dict[str, Any]:
    """Where long work stands (services/tasks.py): its stage, units done of those
    expected, whole percent (None while unknown) and whether a cancel was asked for."""
    return {
        "status": task.status.value,
        "stage": task.stage,
        "done": task.done,
        "total": task.total,
        "percent": task.percent,
        "cancel_requested": task.cancel_requested_at is not None,
        "started_at": plain(task.started_at),
        "updated_at": plain(task.updated_at),
        "message": task.message,
    }


# -- webhooks ----------------------------------------------------------------------------


def webhook_json(hook: Webhook) -> dict[str, Any]:
    return {
        "id": hook.id,
        "url": hook.url,
        "events": [e.value for e in hook.events],
        "created_at": plain(hook.created_at),
        "active": hook.active,
    }


def delivery_json(d: Delivery) -> dict[str, Any]:
    pending = d.status is DeliveryStatus.PENDING
    return {
        "id": d.id,
        "event_id": d.event_id,
        "event_type": d.event_type.value,
        "status": d.status.value,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "created_at": plain(d.created_at),
        "delivered_at": plain(d.delivered_at),
        "next_attempt_at": plain(d.next_attempt_at) if pending else None,
    }


# -- retention ---------------------------------------------------------------------------


def retention_policy_json(policy: RetentionPolicy) -> dict[str, Any]:
    return {
        "years": policy.years,
        "warning_days": policy.warning_days,
        "rule": policy.rule,
    }


def holding_json(h: Holding) -> dict[str, Any]:
    return {
        "performer_id": h.performer_id,
        "templates": h.templates,
        "last_interaction": {
            "kind": h.last_interaction.kind.value,
            "at": plain(h.last_interaction.at),
        },
        "destroy_on": plain(h.destroy_on),
        "warn_from": plain(h.warn_from),
        "warned": h.warned,
        "action": h.action.value,
    }


def _step_json(step: RetentionStep) -> dict[str, Any]:
    return {**holding_json(step.holding), "log_index": step.log_index}


def retention_report_json(report: RetentionReport) -> dict[str, Any]:
    return {
        "at": plain(report.at),
        "dry_run": report.dry_run,
        "policy": retention_policy_json(report.policy),
        "held": report.held,
        "warned": [_step_json(s) for s in report.warned],
        "destroyed": [_step_json(s) for s in report.destroyed],
    }


# -- takedown notices (docs/enforcement.md) -------------------------------------------


def takedown_step_json(step: TakedownStep) -> dict[str, Any]:
    return {
        "seq": step.seq,
        "status": step.status.value,
        "at": plain(step.at),
        "note": step.note,
        "recorded_by": step.recorded_by,
        "log_index": step.log_index,
    }


def takedown_json(t: Takedown) -> dict[str, Any]:
    """A notice's tracking record (the notice itself: ``notice_json``)."""
    return {
        "id": t.id,
        "flag_id": t.flag_id,
        "performer_id": t.performer_id,
        "location": t.location,
        "status": t.status.value,
        "next_steps": [s.value for s in t.next_steps],
        "created_by": t.created_by,
        "created_at": plain(t.created_at),
        "updated_at": plain(t.updated_at),
        "steps": [takedown_step_json(s) for s in t.steps],
    }


def notice_json(bundle: NoticeBundle) -> dict[str, Any]:
    """``notice.json``: the notice, the SHA-256 its ``takedown.drafted`` entry commits to,
    and its receipts (each also written alone as ``receipt-*.json``)."""
    return {
        "notice": bundle.takedown.notice.to_json(),
        "notice_sha256": bundle.notice_sha256,
        "status": bundle.takedown.status.value,
        "receipts": {
            "notice": bundle.notice_receipt.to_json(),
            "flags": [r.to_json() for r in bundle.flag_receipts],
        },
        "checkpoint": bundle.notice_receipt.checkpoint,
    }


def notice_receipt_files(bundle: NoticeBundle) -> dict[str, str]:
    """Each receipt as its own file, in the form ``likeness log verify-receipt`` takes."""
    files = {f"receipt-notice-{bundle.notice_receipt.index}.json": bundle.notice_receipt.dumps()}
    for r in bundle.flag_receipts:
        files[f"receipt-flag-{r.index}.json"] = r.dumps()
    return files
