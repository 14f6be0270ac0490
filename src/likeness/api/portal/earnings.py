"""The performer's earnings as charts: what uses of their likeness owed them each month
over the last year, and by production (from the uses service's statement)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from markupsafe import Markup

from likeness.api.charts import Bar, bar_chart, column_chart, month_label
from likeness.api.portal.labels import production_titles
from likeness.bootstrap import Services

MONTHS = 12


def _months(today: date) -> list[tuple[int, int]]:
    """The last ``MONTHS`` months, this one last."""
    index = today.year * 12 + today.month - 1
    return [divmod(i, 12) for i in range(index - MONTHS + 1, index + 1)]


def earnings_charts(services: Services, performer_id: str, today: date) -> dict[str, list[Markup]]:
    """One chart per currency owed in: by month, and by production."""
    months = _months(today)
    first = date(months[0][0], months[0][1] + 1, 1)
    statement = services.uses.statement(performer_id, first, today)
    by_month: dict[str, dict[tuple[int, int], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    by_production: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for use in statement.uses:
        owed = use.decision.total
        by_month[owed.currency][(use.use_date.year, use.use_date.month - 1)] += owed.amount
        by_production[owed.currency][use.production_id] += owed.amount
    titles = production_titles(services, (u.production_id for u in statement.uses))
    period = f"{month_label(first.year, first.month)} to {month_label(today.year, today.month)}"
    monthly, productions = [], []
    for currency in sorted(by_month) or ["USD"]:
        sums = by_month.get(currency, {})
        bars = [
            Bar(
                month_label(y, m + 1),
                float(sums.get((y, m), 0)),
                f"{sums.get((y, m), 0):.2f} {currency}",
            )
            for y, m in months
        ]
        total = sum(sums.values(), Decimal())
        monthly.append(
            column_chart(
                f"earnings-month-{currency.lower()}",
                f"Owed to you by month, {currency}",
                f"Columns, one a month from {period}: what uses of your likeness reported "
                f"for each month owe you, {total:.2f} {currency} in all.",
                bars if total else [],
                label_name="Month",
                value_name="Owed",
                empty=f"No use owed you anything from {period}.",
            )
        )
        per = by_production.get(currency, {})
        productions.append(
            bar_chart(
                f"earnings-production-{currency.lower()}",
                f"Owed to you by production, {currency}",
                f"Bars, one a production, largest first: what each production's uses "
                f"from {period} owe you.",
                [Bar(titles[p], float(v), f"{v:.2f} {currency}") for p, v in per.items() if v],
                label_name="Production",
                value_name="Owed",
                empty=f"No production's use owed you anything from {period}.",
            )
        )
    return {"by_month": monthly, "by_production": productions}
