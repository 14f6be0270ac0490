"""Service results as API response bodies (shared by the API and the portal)."""

from __future__ import annotations

from typing import Any

from likeness.services.checks import CheckResult
from likeness.services.views import plain
from likeness.store.consent_store import StoredUse
from likeness.store.service_store import Delivery, ScanJob, Webhook


def use_out(use: StoredUse) -> dict[str, Any]:
    return {
        "use_id": use.id,
        "performer_id": use.performer_id,
        "production_id": use.production_id,
        "date": use.use_date.isoformat(),
        "facts": use.facts,
        "log_index": use.log_index,
        "decision": use.decision,
    }


def scan_job_out(job: ScanJob) -> dict[str, Any]:
    summary = None
    if job.report is not None:
        decisions: dict[str, int] = {}
        for a in job.report.get("appearances", []):
            decisions[a["decision"]] = decisions.get(a["decision"], 0) + 1
        summary = {"appearances": len(job.report.get("appearances", [])), "decisions": decisions}
    return {
        "id": job.id,
        "production_id": job.production_id,
        "status": job.status,
        "media": list(job.media),
        "options": job.options,
        "error": job.error,
        "created_at": plain(job.created_at),
        "finished_at": plain(job.finished_at),
        "summary": summary,
    }


def webhook_out(hook: Webhook) -> dict[str, Any]:
    return {
        "id": hook.id,
        "url": hook.url,
        "events": list(hook.events),
        "created_at": plain(hook.created_at),
        "active": hook.disabled_at is None,
    }


def delivery_out(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "status": d.status,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "created_at": plain(d.created_at),
        "delivered_at": plain(d.delivered_at),
        "next_attempt_at": plain(d.next_attempt_at) if d.status == "pending" else None,
    }


def check_out(result: CheckResult, verifier_key: str) -> dict[str, Any]:
    findings = []
    for f in result.findings:
        d = f.decision
        findings.append(
            {
                "performer_id": f.performer_id,
                "modality": f.modality,
                "where": f.where,
                "distance": f.distance,
                "decision": "unknown" if d is None else d["decision"],
                "consent_id": None if d is None else d["consent_id"],
                "reasons": [] if d is None else d["reasons"],
                "warnings": [] if d is None else d["warnings"],
                "total": None if d is None else d["total"],
            }
        )
    return {
        "covered": result.covered,
        "findings": findings,
        "log_index": result.log_index,
        "receipt": result.receipt.to_json(),
        "verifier_key": verifier_key,
    }
