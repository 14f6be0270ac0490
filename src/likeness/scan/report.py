"""Scan reports: JSON (docs/scan-report.md), CSV, and one self-contained HTML page."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

COLOURS = {
    "covered": "#2e7d32",
    "exempt": "#1565c0",
    "not_covered": "#c62828",
    "unknown": "#757575",
}


def report_json(production_id: str, media: list[Any], stats: dict[str, Any]) -> dict[str, Any]:
    return {
        "production_id": production_id,
        "media": [
            {
                "path": m.path,
                "sha256": m.sha256,
                "status": m.status,
                "error": m.error,
                "duration": m.duration,
            }
            for m in media
        ],
        "appearances": [a for m in media for a in m.appearances],
        "stats": stats,
    }


CSV_COLUMNS = (
    "media",
    "performer_id",
    "modality",
    "start",
    "end",
    "score",
    "decision",
    "consent_id",
    "reasons",
)


def report_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for a in data["appearances"]:
        writer.writerow(
            [
                a["media"],
                a["performer_id"] or "",
                a["modality"],
                a["start"],
                a["end"],
                "" if a["score"] is None else a["score"],
                a["decision"],
                a["consent_id"] or "",
                " | ".join(f"{r['rule']}: {r['message']}" for r in a["reasons"]),
            ]
        )
    return out.getvalue()


def report_html(data: dict[str, Any]) -> str:
    """One file, no external resources: inline CSS, thumbnails as data URIs."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Clearance scan: {e(data['production_id'])}</title>",
        "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
        ".timeline{position:relative;height:28px;background:#eee;margin:6px 0 18px}"
        ".bar{position:absolute;top:3px;height:22px;border-radius:3px;opacity:.85}"
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;"
        "text-align:left;vertical-align:top}.d-not_covered{color:#c62828;font-weight:bold}"
        "img{width:48px;height:48px;object-fit:cover}</style></head><body>",
        f"<h1>Clearance scan — production {e(data['production_id'])}</h1>",
        "<p id='stats'>"
        + ", ".join(f"{e(str(k))}: {e(str(v))}" for k, v in data["stats"].items())
        + "</p>",
    ]
    for media in data["media"]:
        parts.append(f"<h2>{e(media['path'])}</h2>")
        if media["error"]:
            parts.append(f"<p class='error'>Not scanned: {e(media['error'])}</p>")
            continue
        length = max(media["duration"], 1e-6)
        rows = [a for a in data["appearances"] if a["media"] == media["path"]]
        parts.append(f"<div class='timeline' data-media='{e(media['path'])}'>")
        for a in rows:
            left = 100 * a["start"] / length
            width = max(1.0, 100 * (a["end"] - a["start"]) / length)
            who = a["performer_id"] or "unknown person"
            parts.append(
                f"<div class='bar' title='{e(who)} {a['start']}–{a['end']} s: {a['decision']}'"
                f" style='left:{left:.2f}%;width:{width:.2f}%;"
                f"background:{COLOURS.get(a['decision'], '#999')}'></div>"
            )
        parts.append(
            "</div><table><tr><th></th><th>who</th><th>modality</th><th>from</th>"
            "<th>to</th><th>distance</th><th>decision</th><th>why</th></tr>"
        )
        for a in rows:
            image = f"<img alt='' src='{a['thumbnail']}'>" if a["thumbnail"] else ""
            why = "<br>".join(f"{e(r['rule'])}: {e(r['message'])}" for r in a["reasons"])
            parts.append(
                f"<tr class='appearance'><td>{image}</td>"
                f"<td>{e(a['performer_id'] or 'unknown person')}</td><td>{e(a['modality'])}</td>"
                f"<td>{a['start']} s</td><td>{a['end']} s</td><td>{a['score'] or ''}</td>"
                f"<td class='d-{e(a['decision'])}'>{e(a['decision'])}</td><td>{why}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)
