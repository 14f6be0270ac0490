"""Turning results into output: JSON for programs, Rich tables for people."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from likeness.api.present import (
    account_json,
    api_key_json,
    consent_json,
    performer_json,
    production_json,
)
from likeness.services.home import HomeStatus

__all__ = [
    "account_json",
    "api_key_json",
    "consent_json",
    "performer_json",
    "production_json",
]


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
        grid.add_row(*(_cell(cell) for cell in row))
    console().print(grid)


def _cell(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else str(value)


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
