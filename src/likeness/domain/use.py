"""Reported uses of replicas: what a production reported, and what was decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from likeness.domain.consent import PerformerCategory, UseFacts
from likeness.domain.decision import Decision


@dataclass(frozen=True)
class UseReport:
    """A production's report of one use (or scan) of a performer's replica."""

    performer_id: str
    use: UseFacts
    category: PerformerCategory = PerformerCategory.PRINCIPAL
    pro_rata_daily_rate: Decimal | None = None
    consent_id: str | None = None  # the consent the production relies on, if it names one

    def to_json(self) -> dict[str, Any]:
        """The use's facts as the log and the database hold them."""
        return {
            **self.use.to_json(),
            "category": self.category.value,
            "pro_rata_daily_rate": None
            if self.pro_rata_daily_rate is None
            else str(self.pro_rata_daily_rate),
            "consent_named": self.consent_id,
        }

    @staticmethod
    def from_json(performer_id: str, data: dict[str, Any]) -> UseReport:
        rate = data["pro_rata_daily_rate"]
        return UseReport(
            performer_id=performer_id,
            use=UseFacts.from_json(data),
            category=PerformerCategory(data["category"]),
            pro_rata_daily_rate=None if rate is None else Decimal(rate),
            consent_id=data["consent_named"],
        )


@dataclass(frozen=True)
class ReportedUse:
    """A use as recorded: the report, its decision, and the log entry recording both."""

    id: str
    report: UseReport
    decision: Decision
    reported_at: datetime
    log_index: int

    @property
    def performer_id(self) -> str:
        return self.report.performer_id

    @property
    def production_id(self) -> str:
        return self.report.use.production_id

    @property
    def use_date(self) -> date:
        return self.report.use.date
