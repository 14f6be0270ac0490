"""A calibration's report: JSON, and one self-contained HTML page whose inline SVG plots
the genuine and impostor distance distributions and the chosen threshold (no script, no
external resource). Pure rendering: the CLI writes the files.

The report holds counts, distance summaries and histograms, never labels (people's
names), file names or embeddings.
"""

from __future__ import annotations

import html
import statistics
from collections.abc import Sequence
from typing import Any

from likeness.api.charts import distributions_chart
from likeness.domain.calibration import RatePoint, distance_histogram
from likeness.services.calibration import CalibrationRun


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
    h = c.histogram or distance_histogram(e.distances)
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
        ".chosen{font-weight:bold;background:#fff8e1}figure.chart{max-width:720px;margin:1em 0}"
        "</style></head><body>",
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
    """Both distributions as shares of their own pairs per bin, on one distance axis, with
    the chosen threshold and the settings' default: the portal's chart (api/charts.py)."""
    histogram = distance_histogram(run.evaluation.distances)
    threshold = run.evaluation.threshold
    return str(distributions_chart("distributions", histogram, threshold, run.default_threshold))
