"""Dated minimum-rate tables (rules.md Part D), read from ``rules/data``."""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from likeness.domain.consent import PerformerCategory
from likeness.domain.money import Money
from likeness.errors import InvalidInputError


@dataclass(frozen=True)
class RateRow:
    effective_from: date
    day: Money
    weekly: Money
    background: dict[PerformerCategory, Money]
    tag: str


@dataclass(frozen=True)
class RateTable:
    source: str
    rows: tuple[RateRow, ...]

    def on(self, day: date) -> RateRow:
        """The row in force on ``day``: the latest whose effective date is not after it."""
        position = bisect.bisect_right([r.effective_from for r in self.rows], day)
        if position == 0:
            raise InvalidInputError(
                f"no SAG-AFTRA rate table covers {day.isoformat()} "
                f"(the first starts {self.rows[0].effective_from.isoformat()})"
            )
        return self.rows[position - 1]


@cache
def sag_tvt_minimums() -> RateTable:
    """The TV/Theatrical minimums. Immutable data, loaded once per process."""
    text = resources.files("likeness.rules").joinpath("data/sag_tvt_minimums.json").read_text()
    data = json.loads(text)
    currency = data["currency"]

    def money(value: str) -> Money:
        return Money(Decimal(value), currency)

    rows = tuple(
        RateRow(
            effective_from=date.fromisoformat(row["effective_from"]),
            day=money(row["day"]),
            weekly=money(row["weekly"]),
            background={
                PerformerCategory.BACKGROUND: money(row["bg_general"]),
                PerformerCategory.SPECIAL_ABILITY_BACKGROUND: money(row["bg_special_ability"]),
                PerformerCategory.STAND_IN: money(row["stand_in"]),
                PerformerCategory.PRINCIPAL: money(row["day"]),
            },
            tag=row["tag"],
        )
        for row in data["rows"]
    )
    return RateTable(source=data["source"], rows=rows)
