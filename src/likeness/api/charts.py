"""Charts drawn on the server as inline SVG: values in, markup out, no script.

Each chart is a ``<figure>`` whose SVG is an image with a title and a description
(``role="img"``, ``aria-labelledby``), followed by the same figures as a table (in a
``<details>``) for whoever cannot see the drawing. The SVG scales to its container
(``viewBox``, width 100 %); its drawing is 360 units wide so that its 12-unit text stays
readable on a 375 px phone screen. Colours keep at least 3:1 against white (bars) and
4.5:1 (text). No data gives a sentence, never an empty or broken drawing.

The whole figure is well-formed XML as well as HTML (tests parse it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from likeness.domain.calibration import DistanceHistogram

WIDTH = 360
FONT = 12
INK = "#1d1d1f"
MUTED = "#5b5b66"  # 6.4:1 on white
GRID = "#d4d4dc"
BAR = "#0b57d0"  # 6.3:1 on white
GENUINE = "#1e6b2a"  # 6.6:1 on white
IMPOSTOR = "#b3261e"  # 6.5:1 on white
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LABEL_CHARS = 44  # a longer label is shortened in the drawing (whole in the table)


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, and how the value reads (``text``: "1500.00 USD")."""

    label: str
    value: float
    text: str | None = None

    @property
    def shown(self) -> str:
        return self.text if self.text is not None else _number(self.value)


@dataclass(frozen=True)
class Series:
    """Counts per bin of one distribution (a histogram's bars)."""

    name: str
    counts: Sequence[int]
    colour: str


@dataclass(frozen=True)
class Marker:
    """A vertical line at ``value`` on a histogram's axis (a threshold)."""

    label: str
    value: float
    dashed: bool = False


def _number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _nice_top(largest: float) -> float:
    """The axis' top: 1, 2, 2.5 or 5 times a power of ten, at or above ``largest``."""
    if largest <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(largest))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= largest)


def _f(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _figure(
    key: str,
    title: str,
    description: str,
    height: int,
    drawing: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    note: str = "",
) -> Markup:
    ident = f"chart-{escape(key)}"
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(row[0])}</th>'
        + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    # Every text in the drawing, rows and captions went through escape() where it was made.
    return Markup(  # noqa: S704
        f'<figure class="chart" id="{ident}">'
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {WIDTH} '
        f'{height}" width="100%" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>' + "".join(drawing) + "</svg>"
        f'<details class="chart-data"><summary>{escape(title)}: the figures</summary>'
        + (f"<p>{escape(note)}</p>" if note else "")
        + f'<div class="table-wrap" role="region" tabindex="0" '
        f'aria-label="{escape(title)}: the figures"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div></details></figure>"
    )


def _empty(key: str, message: str) -> Markup:
    return Markup('<p class="chart-empty" id="chart-{}">{}</p>').format(key, message)


def column_chart(
    key: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    *,
    label_name: str = "Item",
    value_name: str = "Value",
    empty: str = "Nothing to draw yet.",
) -> Markup:
    """Vertical bars in order (time along the bottom): months, days. ``key`` makes the
    figure's ids unique on its page."""
    if not bars:
        return _empty(key, empty)
    height, left, right, top, bottom = 220, 52, 8, 14, 40
    inner_w, inner_h = WIDTH - left - right, height - top - bottom
    axis_top = _nice_top(max(max(b.value for b in bars), 0))
    slot = inner_w / len(bars)
    # a label along the bottom every so many bars, so that none overlaps the next
    widest = max(len(_short(b.label)) for b in bars) * FONT * 0.6 + 8
    every = max(1, math.ceil(widest / slot))
    parts: list[str] = []
    for tick in (0, axis_top / 2, axis_top):
        y = top + inner_h * (1 - tick / axis_top)
        parts.append(
            f'<line x1="{left}" y1="{_f(y)}" x2="{WIDTH - right}" y2="{_f(y)}" '
            f'stroke="{GRID}"/><text x="{left - 4}" y="{_f(y + 4)}" text-anchor="end" '
            f'fill="{MUTED}">{escape(_number(tick))}</text>'
        )
    for i, bar in enumerate(bars):
        h = inner_h * max(bar.value, 0) / axis_top
        x = left + i * slot + slot * 0.15
        parts.append(
            f'<rect class="bar" x="{_f(x)}" y="{_f(top + inner_h - h)}" '
            f'width="{_f(slot * 0.7)}" height="{h:.3f}" fill="{BAR}" '
            f'data-value="{bar.value!r}"><title>{escape(bar.label)}: '
            f"{escape(bar.shown)}</title></rect>"
        )
        if i % every == 0:
            parts.append(
                f'<text x="{_f(left + (i + 0.5) * slot)}" y="{height - bottom + 16}" '
                f'text-anchor="middle" fill="{INK}">{escape(_short(bar.label))}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{top + inner_h}" x2="{WIDTH - right}" '
        f'y2="{top + inner_h}" stroke="{INK}"/>'
    )
    return _figure(
        key,
        title,
        description,
        height,
        parts,
        (label_name, value_name),
        [(b.label, b.shown) for b in bars],
    )


def bar_chart(
    key: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    *,
    label_name: str = "Item",
    value_name: str = "Value",
    empty: str = "Nothing to draw yet.",
) -> Markup:
    """Horizontal bars, largest first, each label on its own line above its bar (titles
    are long; a phone screen is narrow)."""
    if not bars:
        return _empty(key, empty)
    ordered = sorted(bars, key=lambda b: -b.value)
    row, left, value_room = 38, 4, 92
    height = row * len(ordered) + 6
    largest = max(max(b.value for b in ordered), 0) or 1.0
    room = WIDTH - left - value_room
    parts: list[str] = []
    for i, bar in enumerate(ordered):
        y = i * row + 4
        w = room * max(bar.value, 0) / largest
        parts.append(
            f'<text x="{left}" y="{y + FONT}" fill="{INK}">{escape(_short(bar.label))}</text>'
            f'<rect class="bar" x="{left}" y="{y + 17}" width="{w:.3f}" height="14" '
            f'fill="{BAR}" data-value="{bar.value!r}"><title>{escape(bar.label)}: '
            f"{escape(bar.shown)}</title></rect>"
            f'<text x="{_f(left + w + 4)}" y="{y + 28}" fill="{INK}">{escape(bar.shown)}</text>'
        )
    return _figure(
        key,
        title,
        description,
        height,
        parts,
        (label_name, value_name),
        [(b.label, b.shown) for b in ordered],
    )


def histogram_chart(
    key: str,
    title: str,
    description: str,
    edges: Sequence[float],
    series: Sequence[Series],
    markers: Sequence[Marker] = (),
    *,
    axis_label: str = "value",
    empty: str = "Nothing to draw yet.",
) -> Markup:
    """Distributions over shared bins (``edges``: one more than each series' counts), each
    drawn as its share of its own total per bin so that a small set and a large one
    compare, with vertical ``markers`` (thresholds) on the same axis."""
    if len(edges) < 2 or not series or not any(sum(s.counts) for s in series):
        return _empty(key, empty)
    for s in series:
        if len(s.counts) != len(edges) - 1:
            raise ValueError(f"{s.name}: {len(s.counts)} counts for {len(edges) - 1} bins")
    height, left, right, top, bottom = 240, 40, 8, 40, 38
    inner_w, inner_h = WIDTH - left - right, height - top - bottom
    low = min(edges[0], *(m.value for m in markers)) if markers else edges[0]
    high = max(edges[-1], *(m.value for m in markers)) if markers else edges[-1]
    span = max(high - low, 1e-9)
    shares = [[n / max(1, sum(s.counts)) for n in s.counts] for s in series]
    axis_top = _nice_top(max(max(s) for s in shares))

    def x(value: float) -> float:
        return left + (value - low) / span * inner_w

    def share_y(share: float) -> float:
        return top + inner_h * (1 - share / axis_top)

    parts: list[str] = []
    for tick in (0, axis_top / 2, axis_top):
        y = share_y(tick)
        parts.append(
            f'<line x1="{left}" y1="{_f(y)}" x2="{WIDTH - right}" y2="{_f(y)}" '
            f'stroke="{GRID}"/><text x="{left - 4}" y="{_f(y + 4)}" text-anchor="end" '
            f'fill="{MUTED}">{tick:.0%}</text>'
        )
    for number, (s, share) in enumerate(zip(series, shares, strict=True)):
        parts.append(
            f'<g class="series" data-name="{escape(s.name)}" fill="{s.colour}" '
            f'fill-opacity="0.35" stroke="{s.colour}">'
        )
        for i, value in enumerate(share):
            if value == 0:
                continue
            x0, x1 = x(edges[i]), x(edges[i + 1])
            parts.append(
                f'<rect x="{_f(x0)}" y="{_f(share_y(value))}" width="{_f(x1 - x0)}" '
                f'height="{inner_h * value / axis_top:.3f}" data-count="{s.counts[i]}">'
                f"<title>{escape(s.name)}, {edges[i]:g} to {edges[i + 1]:g}: "
                f"{s.counts[i]}</title></rect>"
            )
        parts.append("</g>")
        parts.append(
            f'<rect x="{left + number * 150}" y="4" width="12" height="12" '
            f'fill="{s.colour}" fill-opacity="0.35" stroke="{s.colour}"/>'
            f'<text x="{left + number * 150 + 16}" y="14" fill="{s.colour}">'
            f"{escape(s.name)} ({sum(s.counts):,})</text>"
        )
    for i, marker in enumerate(markers):
        mx = x(marker.value)
        dash = ' stroke-dasharray="5 3"' if marker.dashed else ""
        anchor = "end" if mx > left + inner_w * 0.6 else "start"
        tx = mx - 3 if anchor == "end" else mx + 3
        parts.append(
            f'<line class="marker" data-label="{escape(marker.label)}" '
            f'data-value="{marker.value!r}" x1="{_f(mx)}" y1="{top - 6}" '
            f'x2="{_f(mx)}" y2="{top + inner_h}" stroke="{INK}" stroke-width="1.5"{dash}/>'
            f'<text x="{_f(tx)}" y="{top + 6 + i * 14}" text-anchor="{anchor}" fill="{INK}">'
            f"{escape(marker.label)} {marker.value:g}</text>"
        )
    step = _nice_top(span / 5)
    first = math.ceil(low / step)
    for k in range(first, math.floor(high / step) + 1):
        value = round(k * step, 6)
        parts.append(
            f'<text x="{_f(x(value))}" y="{top + inner_h + 16}" text-anchor="middle" '
            f'fill="{MUTED}">{value:g}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + inner_h}" x2="{WIDTH - right}" y2="{top + inner_h}" '
        f'stroke="{INK}"/><text x="{left + inner_w / 2:.0f}" y="{height - 4}" '
        f'text-anchor="middle" fill="{INK}">{escape(axis_label)}</text>'
    )
    rows = [
        (f"{edges[i]:g} to {edges[i + 1]:g}", *(str(s.counts[i]) for s in series))
        for i in range(len(edges) - 1)
    ]
    note = "; ".join(f"{m.label}: {m.value:g}" for m in markers)
    return _figure(
        key,
        title,
        description,
        height,
        parts,
        (axis_label, *(s.name for s in series)),
        rows,
        note=f"Lines drawn at {note}." if note else "",
    )


def month_label(year: int, month: int) -> str:
    """A month as a column's foot: "Jan 2026"."""
    return f"{MONTHS[month - 1]} {year}"


def distributions_chart(
    key: str, histogram: DistanceHistogram, threshold: float, default: float
) -> Markup:
    """A calibration's genuine and impostor distances with its chosen threshold and the
    settings' default (the portal's calibration page and the CLI's HTML report)."""
    return histogram_chart(
        key,
        "Genuine and impostor distances",
        f"Two overlaid histograms, each bin the share of its own pairs: genuine pairs "
        f"(same person, {sum(histogram.genuine):,}) and impostor pairs (different people, "
        f"{sum(histogram.impostor):,}) by distance. A match is a distance below the "
        f"threshold: the chosen threshold {threshold:g} is a solid line, the settings' "
        f"default {default:g} a dashed one.",
        histogram.edges(),
        [
            Series("genuine", histogram.genuine, GENUINE),
            Series("impostor", histogram.impostor, IMPOSTOR),
        ],
        [Marker("chosen", threshold), Marker("default", default, dashed=True)],
        axis_label="distance",
        empty="No distances were measured.",
    )
