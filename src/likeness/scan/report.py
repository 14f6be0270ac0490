"""Scan reports as CSV and as one self-contained HTML page (docs/scan-report.md; the
JSON form is ``ScanReport.to_json``)."""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import re
from collections.abc import Mapping

from likeness.domain.provenance import Provenance, SyntheticMedia, source_type_code
from likeness.domain.scan import Appearance, ScanReport, ScanStats

# The timeline is its own module; the portal's scan page embeds the same fragment.
from likeness.scan.timeline import COLOURS, TIMELINE_CSS, clock, timeline_html, who

__all__ = [
    "COLOURS",
    "TIMELINE_CSS",
    "named_text_html",
    "report_csv",
    "report_html",
    "timeline_html",
]

# A ULID as the rules write ids into their reasons (Crockford base 32, 26 characters).
_ULID = re.compile(r"(?<![0-9A-Za-z])[0-9A-HJKMNP-TV-Z]{26}(?![0-9A-Za-z])")


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
    # the appearance's media file, repeated on each of its rows (docs/scan-report.md)
    "synthetic_replica",
    "provenance",
    "digital_source_types",
    "claim_generator",
    "signer",
    # what decided the identification: its threshold and calibration (id or "default");
    # last, so that readers of the columns before keep their positions
    "threshold",
    "calibration",
)


# A spreadsheet runs a cell starting with one of these as a formula (some drop a
# leading tab or carriage return first): OWASP's CSV injection advice is to make such a
# cell text with a leading apostrophe. Paths, reasons and above all the provenance strings come from
# whoever made the file, so every text cell gets it; numbers are written as numbers.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """``value`` as a CSV text cell that no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def report_csv(report: ScanReport) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(CSV_COLUMNS)
    # Every text cell quoted: with "\n" as the line end the csv module would leave a
    # cell holding a bare carriage return unquoted, and a spreadsheet may start a new
    # row there, whose first cell would then escape the apostrophe.
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    provenance = {m.path: m.provenance for m in report.media}
    for a in report.appearances():
        origin = provenance.get(a.media)
        row: list[str | float] = [
            a.media,
            a.performer_id or "",
            a.modality.value,
            float(a.start),
            float(a.end),
            "" if a.score is None else a.score,
            a.outcome.value,
            a.consent_id or "",
            " | ".join(f"{r.rule}: {r.message}" for r in a.reasons),
            "" if a.synthetic_replica is None else a.synthetic_replica.value,
            *_provenance_cells(origin),
            "" if a.threshold is None else a.threshold,
            a.calibration or "",
        ]
        writer.writerow([csv_text(cell) if isinstance(cell, str) else cell for cell in row])
    return out.getvalue()


def _provenance_cells(origin: Provenance | None) -> list[str]:
    if origin is None:
        return ["", "", "", ""]
    return [
        origin.state.value,
        " ".join(source_type_code(t) for t in origin.source_types),
        origin.claim_generator or "",
        "" if origin.signer is None else origin.signer.text(),
    ]


def _stats_text(stats: ScanStats) -> str:
    e = html.escape
    return ", ".join(f"{e(k)}: {v}" for k, v in dataclasses.asdict(stats).items())


def report_html(
    report: ScanReport,
    names: Mapping[str, str] | None = None,
    *,
    production: str | None = None,
) -> str:
    """One file, no external resources: inline CSS, thumbnails as data URIs.

    ``names`` maps performer ids to names and ``production`` is the production's title:
    the scan layer cannot look them up, so its callers pass them in. A person the
    mapping does not name is "a performer not named here", never a bare id; the
    machine-readable forms (JSON, CSV) keep the ids.
    """
    e = html.escape
    names = names or {}
    title = production or "a production"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Clearance scan: {e(title)}</title>",
        "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
        ".table-wrap{overflow-x:auto}.visually-hidden{position:absolute;width:1px;height:1px;"
        "overflow:hidden;clip-path:inset(50%);white-space:nowrap}"
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;"
        "text-align:left;vertical-align:top}.d-not_covered{color:#c62828;font-weight:bold}"
        f"td img{{width:48px;height:48px;object-fit:cover}}{TIMELINE_CSS}</style>"
        "</head><body><main>",
        f"<h1>Clearance scan — {e(title)}</h1>",
        f"<p id='stats'>{_stats_text(report.stats())}</p>",
    ]
    for index, media in enumerate(report.media):
        parts.append(f"<h2>{e(media.path)}</h2>")
        parts.extend(_origin(media.provenance, media.synthetic))
        if media.error:
            parts.append(f"<p class='error'>Not scanned: {e(media.error)}</p>")
            continue
        parts.append(timeline_html(media, names, key=str(index)))
        parts.append(
            # focusable: a keyboard scrolls the table when it is wider than the screen
            f"<div class='table-wrap' tabindex='0' role='region' "
            f"aria-label='Appearances in {e(media.path)}'>"
            "<table><tr><th><span class='visually-hidden'>"
            "picture</span></th><th>who</th><th>modality</th><th>from</th>"
            "<th>to</th><th>distance</th><th>threshold</th><th>decision</th><th>why</th></tr>"
        )
        parts.extend(_row(a, names) for a in media.appearances)
        parts.append("</table></div>")
    parts.append("</main></body></html>")
    return "".join(parts)


def _origin(provenance: Provenance | None, synthetic: SyntheticMedia | None) -> list[str]:
    e = html.escape
    parts = []
    if provenance is not None:
        parts.append(
            f"<p class='provenance provenance-{e(provenance.state.value)}'>"
            f"C2PA provenance: {e(provenance.summary())}</p>"
        )
    if synthetic is not None:
        parts.append(
            f"<p class='synthetic'>Taken as AI-generated ({e(synthetic.basis.value)}: "
            f"{e(synthetic.detail)}): registered performers in it are synthetic replicas.</p>"
        )
    return parts


def named_text_html(text: str, names: Mapping[str, str]) -> str:
    """``text`` (a rule's reason) as HTML, each id in it that ``names`` knows replaced by
    its name, and any other id (a consent's) marked as an id chip rather than shown bare."""
    e = html.escape
    parts, at = [], 0
    for match in _ULID.finditer(text):
        parts.append(e(text[at : match.start()]))
        ident = match.group()
        name = names.get(ident)
        parts.append(e(name) if name is not None else f"<code class='id-chip'>{e(ident)}</code>")
        at = match.end()
    parts.append(e(text[at:]))
    return "".join(parts)


def _threshold_cell(a: Appearance) -> str:
    """The threshold that decided the identification and its calibration (id or default)."""
    if a.threshold is None:
        return ""
    if a.calibration is None or a.calibration == "default":
        return f"{a.threshold:g} (default)"
    # a calibration's id names no person: shown as an id, marked as one
    return (
        f"{a.threshold:g} (calibration <code class='id-chip'>{html.escape(a.calibration)}</code>)"
    )


def _row(a: Appearance, names: Mapping[str, str]) -> str:
    e = html.escape
    image = f"<img alt='' src='{a.thumbnail}'>" if a.thumbnail else ""
    why = "<br>".join(f"{e(r.rule)}: {named_text_html(r.message, names)}" for r in a.reasons)
    replica = ""
    if a.synthetic_replica is not None:
        kind = a.synthetic_replica.value.replace("_", " ")
        replica = f"<br><span class='synthetic'>synthetic replica, decided as {e(kind)}</span>"
    return (
        f"<tr class='appearance'><td>{image}</td>"
        f"<td class='who'>{e(who(a, names))}</td><td>{e(a.modality.value)}</td>"
        f"<td>{clock(float(a.start))}</td><td>{clock(float(a.end))}</td><td>{a.score or ''}</td>"
        f"<td class='threshold'>{_threshold_cell(a)}</td>"
        f"<td class='d-{e(a.outcome.value)}'>{e(a.outcome.value)}{replica}</td>"
        f"<td>{why}</td></tr>"
    )
