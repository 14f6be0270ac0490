"""Parsing a roster CSV (a production's background cast, a union local's list).

Parsing only: every row becomes either a ``PerformerInput`` or a problem
with its line number; nothing is written here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from likeness.domain.performer import Representative, RepresentativeCapacity
from likeness.errors import InvalidInputError, RowProblem
from likeness.services.inputs import PerformerInput, parse_date

REQUIRED_COLUMNS = ("legal_name", "professional_name", "union", "member_number", "date_of_birth")
OPTIONAL_COLUMNS = ("date_of_death", "domicile", "representatives")


@dataclass(frozen=True)
class RosterRow:
    line: int
    performer: PerformerInput


def parse_roster(lines: Iterable[str]) -> tuple[list[RosterRow], list[RowProblem]]:
    """Rows that parsed, and a problem for each that did not (header is line 1)."""
    reader = csv.reader(lines, strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        header = []
    except csv.Error as exc:
        raise InvalidInputError(f"line 1: unreadable CSV header ({exc})") from None
    _check_header(header)
    rows: list[RosterRow] = []
    problems: list[RowProblem] = []
    while True:
        line = reader.line_num + 1  # where the record starts (a quoted field may span lines)
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(RowProblem(line, f"unreadable CSV ({exc})"))
            continue
        if not fields:
            continue  # a blank line
        try:
            rows.append(RosterRow(line, _performer_input(header, fields)))
        except InvalidInputError as exc:
            problems.append(RowProblem(line, exc.message))
    return rows, problems


def _check_header(names: list[str]) -> None:
    if not names:
        raise InvalidInputError(
            "the file is empty",
            hint=f"the first line must name the columns: {','.join(REQUIRED_COLUMNS)}",
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    unknown = [name for name in names if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise InvalidInputError(
            "line 1: " + "; ".join(parts),
            hint="required: "
            + ",".join(REQUIRED_COLUMNS)
            + "; optional: "
            + ",".join(OPTIONAL_COLUMNS),
        )


def _performer_input(header: list[str], fields: list[str]) -> PerformerInput:
    if len(fields) > len(header):
        raise InvalidInputError("more fields than the header has columns")
    if len(fields) < len(header):
        raise InvalidInputError("fewer fields than the header has columns")
    values = {name: value.strip() for name, value in zip(header, fields, strict=True)}

    def optional(name: str) -> str | None:
        return values.get(name) or None

    birth = optional("date_of_birth")
    if birth is None:
        raise InvalidInputError("date_of_birth is empty")
    return PerformerInput(
        legal_name=values["legal_name"],
        professional_name=optional("professional_name"),
        union=optional("union"),
        member_number=optional("member_number"),
        date_of_birth=parse_date(birth, "date_of_birth"),
        date_of_death=_optional_date(optional("date_of_death"), "date_of_death"),
        domicile=optional("domicile"),
        representatives=parse_representatives(optional("representatives") or ""),
    )


def _optional_date(text: str | None, field: str) -> date | None:
    return None if text is None else parse_date(text, field)


def parse_representatives(text: str) -> tuple[Representative, ...]:
    """``capacity:name[;capacity:name...]``, e.g. ``agent:Jane Roe;union:SAG-AFTRA Local 1``."""
    reps = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        reps.append(parse_representative(item))
    return tuple(reps)


def parse_representative(text: str) -> Representative:
    capacity, sep, name = text.partition(":")
    choices = ", ".join(c.value for c in RepresentativeCapacity)
    if not sep:
        raise InvalidInputError(
            f"representative {text!r} must be written CAPACITY:NAME (capacity one of {choices})"
        )
    try:
        kind = RepresentativeCapacity(capacity.strip().lower())
    except ValueError:
        raise InvalidInputError(
            f"representative capacity {capacity.strip()!r} is not one of {choices}"
        ) from None
    return Representative(name=name.strip(), capacity=kind)
