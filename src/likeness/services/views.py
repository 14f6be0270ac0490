"""Records as JSON: one shape for the CLI's ``--json`` output and the HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from likeness.domain.account import Account, ApiKey
from likeness.domain.lifecycle import ConsentRecord
from likeness.domain.performer import Performer
from likeness.domain.production import Production
from likeness.services.uses import Statement


def plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


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


def statement_json(result: Statement) -> dict[str, Any]:
    return {
        "performer_id": result.performer_id,
        "from": result.start.isoformat(),
        "to": result.end.isoformat(),
        "uses": [
            {
                "use_id": u.id,
                "date": u.use_date.isoformat(),
                "production_id": u.production_id,
                "decision": u.decision["decision"],
                "consent_id": u.decision["consent_id"],
                "compensation": u.decision["compensation"],
                "total": u.decision["total"],
                "log_index": u.log_index,
            }
            for u in result.uses
        ],
        "totals": [
            {"amount": f"{amount:.2f}", "currency": currency}
            for currency, amount in sorted(result.totals.items())
        ],
        "reconciled": result.reconciles(),
    }
