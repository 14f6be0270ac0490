"""A calibration's report: JSON, and one self-contained HTML page whose inline SVG plots
the genuine and impostor distance distributions and the chosen threshold (no script, no
external resource). Pure rendering: the CLI writes the files.

The report holds counts, distance summaries and histograms, never labels (people's
names), file names or embeddings.
"""

from __future__ import annotations

import html
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from likeness.domain.calibration import RatePoint
from likeness.services.calibration import CalibrationRun

MAX_BINS = 40
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 44  # plot margins, px
GENUINE, IMPOSTOR = "#2e7d32", "#c62828"


@dataclass(frozen=True)
class Histogram:
    start: float  # left edge of the first bin
    width: float
    genuine: tuple[int, ...]
    impostor: tuple[int, ...]

    def edges(self) -> list[float]:
        return [round(self.start + i * self.width, 6) for i in range(len(self.genuine) + 1)]


def histogram(genuine: Sequence[float], impostor: Sequence[float]) -> Histogram:
    """Both distributions over the same bins (a width of 0.01 or more, at most 40 bins)."""
    low, high = min(genuine[0], impostor[0]), max(genuine[-1], impostor[-1])
    width = max(0.01, math.ceil((high - low) / MAX_BINS * 100) / 100)
    start = math.floor(low / width) * width
    count = max(1, math.floor((high - start) / width) + 1)

    def counts(values: Sequence[float]) -> tuple[int, ...]:
        bins = [0] * count
        for v in values:
            bins[min(count - 1, int((v - start) / width))] += 1
        return tuple(bins)

    return Histogram(round(start, 6), width, counts(genuine), counts(impostor))


def _summary(values: Sequence[float]) -> dict[str, Any]:
    return {
        "pairs": len(values),
        "min": round(values[0], 6),
        "mean": round(statistics.fmean(values), 6),
        "median": round(statistics.median(values), 6),
        "max": round(values[-1], 6),
    }


def report_json(run: CalibrationRun) -> dict[str, Any]:
    """The report's JSON form (docs/recognition.md, "Calibration")."""
    e, c = run.evaluation, run.calibration
    h = histogram(e.distances.genuine, e.distances.impostor)
    return {
        "calibration": c.to_json(),
        "default_threshold": run.default_threshold,
        "demonstrated": e.demonstrated,
        "impostor_pairs_needed": run.pairs_needed,
        "genuine": _summary(e.distances.genuine),
        "impostor": _summary(e.distances.impostor),
        "histogram": {
            "edges": h.edges(),
            "genuine": list(h.genuine),
            "impostor": list(h.impostor),
        },
        "rates": [p.to_json() for p in e.table],
    }


def report_html(run: CalibrationRun) -> str:
    """One page: the verdict, the plot, the table of rates at the candidate thresholds."""
    c, e = run.calibration, run.evaluation
    esc = html.escape
    verdict = (
        f"The data shows the target: the upper 95% bound of the false-match rate at "
        f"{c.threshold:g} is {c.fmr.upper:.4g}, within {c.target_fmr:g}."
        if e.demonstrated
        else f"The data does not show the target false-match rate {c.target_fmr:g}: its "
        f"upper 95% bound at {c.threshold:g} is {c.fmr.upper:.4g} on {c.impostor_pairs} "
        f"impostor pairs; at least {run.pairs_needed} impostor pairs with no false match "
        "are needed."
    )
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Calibration {esc(c.id)}: {esc(c.model_id)}</title>",
        "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;"
        "text-align:right}th:first-child,td:first-child{text-align:left}"
        ".chosen{font-weight:bold;background:#fff8e1}</style></head><body>",
        f"<h1>Calibration {esc(c.id)}</h1>",
        "<table id='facts'>",
        *(
            f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>"
            for k, v in (
                ("modality", c.modality.value),
                ("model", c.model_id),
                ("detector", c.detector_id or "-"),
                ("dataset SHA-256", c.dataset_sha256),
                ("people / files", f"{c.people} / {c.files}"),
                ("genuine / impostor pairs", f"{c.genuine_pairs} / {c.impostor_pairs}"),
                ("target false-match rate", f"{c.target_fmr:g}"),
                ("chosen threshold", f"{c.threshold:g}"),
                ("settings' default", f"{run.default_threshold:g}"),
                ("created", f"{c.created_at.isoformat()} by {c.created_by or '-'}"),
            )
        ),
        "</table>",
        f"<p id='verdict'>{esc(verdict)}</p>",
        _plot(run),
        "<h2>Rates at candidate thresholds</h2>",
        "<p>A match is a distance below the threshold. FMR: impostor pairs matched; "
        "FNMR: genuine pairs not matched. Bounds: 95% Wilson interval, or the rule of "
        "three (3/n) when nothing was observed.</p>",
        "<table id='rates'><tr><th>threshold</th><th>FMR</th><th>FMR 95% bounds</th>"
        "<th>FNMR</th><th>FNMR 95% bounds</th></tr>",
        *(_rate_row(p, c.threshold) for p in e.table),
        "</table></body></html>",
    ]
    return "".join(parts)


def _rate_row(point: RatePoint, chosen: float) -> str:
    mark = " class='chosen'" if point.threshold == chosen else ""

    def cells(r: Any) -> str:
        return (
            f"<td>{r.errors}/{r.trials}</td>"
            f"<td>{r.lower:.4g} – {r.upper:.4g} ({html.escape(r.method.value)})</td>"
        )

    return f"<tr{mark}><td>{point.threshold:g}</td>{cells(point.fmr)}{cells(point.fnmr)}</tr>"


def _plot(run: CalibrationRun) -> str:
    """Both distributions as shares of their own pairs per bin, on one distance axis."""
    e = run.evaluation
    h = histogram(e.distances.genuine, e.distances.impostor)
    edges = h.edges()
    low = min(edges[0], run.default_threshold, e.threshold)
    high = max(edges[-1], run.default_threshold, e.threshold)
    shares = [[n / max(1, sum(counts)) for n in counts] for counts in (h.genuine, h.impostor)]
    top = max(max(s) for s in shares) or 1.0
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(d: float) -> float:
        return LEFT + (d - low) / max(high - low, 1e-9) * inner_w

    def y(share: float) -> float:
        return TOP + inner_h * (1 - share / top)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' id='distributions' width='{WIDTH}' "
        f"height='{HEIGHT}' viewBox='0 0 {WIDTH} {HEIGHT}' role='img' "
        "aria-label='genuine and impostor distance distributions'>",
        f"<line x1='{LEFT}' y1='{TOP + inner_h}' x2='{WIDTH - RIGHT}' y2='{TOP + inner_h}' "
        "stroke='#444'/>",
        f"<line x1='{LEFT}' y1='{TOP}' x2='{LEFT}' y2='{TOP + inner_h}' stroke='#444'/>",
    ]
    for name, colour, series in (
        ("genuine", GENUINE, shares[0]),
        ("impostor", IMPOSTOR, shares[1]),
    ):
        parts.append(f"<g class='{name}' fill='{colour}' fill-opacity='0.5'>")
        for i, share in enumerate(series):
            if share == 0:
                continue
            left, right = x(edges[i]), x(edges[i + 1])
            parts.append(
                f"<rect x='{left:.1f}' y='{y(share):.1f}' width='{right - left:.1f}' "
                f"height='{TOP + inner_h - y(share):.1f}' data-from='{edges[i]:g}' "
                f"data-pairs='{h.genuine[i] if name == 'genuine' else h.impostor[i]}'/>"
            )
        parts.append("</g>")
    for cls, value, dash, label in (
        ("threshold", e.threshold, "", "chosen"),
        ("default", run.default_threshold, " stroke-dasharray='6 4'", "default"),
    ):
        parts.append(
            f"<line class='{cls}' data-value='{value:g}' x1='{x(value):.1f}' y1='{TOP}' "
            f"x2='{x(value):.1f}' y2='{TOP + inner_h}' stroke='#000'{dash}/>"
            f"<text x='{x(value) + 3:.1f}' y='{TOP + 12}' font-size='11'>{label} "
            f"{value:g}</text>"
        )
    tick = 0.1
    for i in range(math.ceil(low / tick), math.floor(high / tick) + 1):
        d = i * tick
        parts.append(
            f"<text x='{x(d):.1f}' y='{HEIGHT - BOTTOM + 16}' font-size='11' "
            f"text-anchor='middle'>{d:.1f}</text>"
        )
    parts.append(
        f"<text x='{LEFT + inner_w / 2:.0f}' y='{HEIGHT - 6}' font-size='12' "
        "text-anchor='middle'>distance (a match is below the threshold)</text>"
        f"<text x='12' y='{TOP + inner_h / 2:.0f}' font-size='12' text-anchor='middle' "
        f"transform='rotate(-90 12 {TOP + inner_h / 2:.0f})'>share of pairs</text>"
        f"<text x='{WIDTH - RIGHT}' y='{TOP + 28}' font-size='12' text-anchor='end' "
        f"fill='{GENUINE}'>genuine ({len(e.distances.genuine)} pairs)</text>"
        f"<text x='{WIDTH - RIGHT}' y='{TOP + 44}' font-size='12' text-anchor='end' "
        f"fill='{IMPOSTOR}'>impostor ({len(e.distances.impostor)} pairs)</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
