"""Turning results into output: JSON for programs, Rich tables for people."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from likeness.domain.account import Account, ApiKey
from likeness.domain.lifecycle import ConsentRecord
from likeness.domain.performer import Performer
from likeness.domain.production import Production
from likeness.services.home import HomeStatus


def _plain(value: Any) -> Any:
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
        "date_of_birth": _plain(p.date_of_birth),
        "status": p.status.value,
        "date_of_death": _plain(p.date_of_death),
        "domicile": p.domicile,
        "representatives": [
            {"name": r.name, "capacity": r.capacity.value, "contact": r.contact}
            for r in p.representatives
        ],
        "created_at": _plain(p.created_at),
        "updated_at": _plain(p.updated_at),
    }


def production_json(p: Production) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "company": p.company,
        "kind": p.kind.value,
        "agreement": p.agreement.value,
        "jurisdiction": p.jurisdiction,
        "start_date": _plain(p.start_date),
        "end_date": _plain(p.end_date),
        "created_at": _plain(p.created_at),
    }


def account_json(a: Account) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "role": a.role.value,
        "performer_id": a.performer_id,
        "production_id": a.production_id,
        "created_at": _plain(a.created_at),
    }


def api_key_json(k: ApiKey) -> dict[str, Any]:
    return {
        "id": k.id,
        "account_id": k.account_id,
        "label": k.label,
        "created_at": _plain(k.created_at),
        "revoked_at": _plain(k.revoked_at),
        "active": k.active,
    }


def status_json(s: HomeStatus) -> dict[str, Any]:
    return {
        "version": s.version,
        "home": s.home,
        "created_at": s.created_at,
        "database": s.database,
        "schema": {
            "revision": s.schema_revision,
            "head": s.schema_head,
            "current": s.schema_current,
        },
        "counts": {
            "performers": s.performers,
            "productions": s.productions,
            "accounts": s.accounts,
        },
        "secrets": s.secret_modes,
    }


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    grid = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        # Ids are copied and pasted: never break them across lines.
        grid.add_column(column, overflow="fold", no_wrap=index == 0)
    for row in rows:
        grid.add_row(*("" if cell is None else str(_plain(cell)) for cell in row))
    console().print(grid)


def fields(title: str, data: dict[str, Any]) -> None:
    """One record as a two-column table of field and value."""
    table(title, ("field", "value"), ((key, _flat(value)) for key, value in data.items()))


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(
            ", ".join(f"{v}" for v in item.values() if v) if isinstance(item, dict) else str(item)
            for item in value
        )
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return value


def consent_json(record: ConsentRecord, today: date, log_indexes: list[int]) -> dict[str, Any]:
    return {
        "id": record.id,
        "performer_id": record.performer_id,
        "production_id": record.production_id,
        "state": record.state_on(today),
        "status": record.status.value,
        "terms": record.request.to_json(),
        "requested_at": _plain(record.requested_at),
        "granted_by": None if record.granted_by is None else record.granted_by.value,
        "signer": record.signer,
        "signed_separately": record.signed_separately,
        "clear_and_conspicuous": record.clear_and_conspicuous,
        "granted_at": _plain(record.granted_at),
        "answered_at": _plain(record.answered_at),
        "revoked_at": _plain(record.revoked_at),
        "suspended": [{"from": _plain(i.start), "until": _plain(i.end)} for i in record.suspended]
        + (
            [{"from": _plain(record.suspended_since), "until": None}]
            if record.suspended_since
            else []
        ),
        "log_indexes": log_indexes,
    }
