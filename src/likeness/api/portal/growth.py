"""The log's growth as a chart: how many entries it held at the end of each day (a young
log) or month, from the times the entries themselves carry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from markupsafe import Markup

from likeness.api.charts import Bar, column_chart, month_label

DAYS = 31  # a log younger than this is drawn by day
MONTHS = 24  # at most this many months are drawn; older entries count in the first


def growth_chart(days: Sequence[tuple[date, int]], today: date) -> Markup:
    """Columns of the log's size at the end of each period, up to ``today``."""
    if not days:
        return column_chart("log-growth", "", "", [], empty="The log holds no entries yet.")
    first = days[0][0]
    end = max(today, days[-1][0])
    if (end - first).days < DAYS:
        periods = [first + timedelta(days=i) for i in range((end - first).days + 1)]
        labels = [p.strftime("%d %b") for p in periods]
        unit = "day"
    else:
        index = end.year * 12 + end.month - 1
        start = max(first.year * 12 + first.month - 1, index - MONTHS + 1)
        months = [divmod(i, 12) for i in range(start, index + 1)]
        # a period's end: the next period's first day, minus one
        periods = [
            (date(y, m + 2, 1) if m < 11 else date(y + 1, 1, 1)) - timedelta(days=1)
            for y, m in months
        ]
        labels = [month_label(y, m + 1) for y, m in months]
        unit = "month"
    bars, total, position, before = [], 0, 0, 0
    for label, period_end in zip(labels, periods, strict=True):
        while position < len(days) and days[position][0] <= period_end:
            total += days[position][1]
            position += 1
        bars.append(Bar(label, total, f"{total:,} entries (+{total - before:,})"))
        before = total
    return column_chart(
        "log-growth",
        "Entries in the log",
        f"Columns, one a {unit} from {labels[0]} to {labels[-1]}: how many entries the log "
        f"held at the end of each {unit}, {total:,} at the last.",
        bars,
        label_name=unit.capitalize(),
        value_name="Entries (added)",
    )
