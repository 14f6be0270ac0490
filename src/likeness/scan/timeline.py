"""A media file's appearances on a time axis, as an HTML fragment: the downloadable
report's timeline (report.py) and the portal's scan page embed the same one.

The picture is an SVG drawn with presentation attributes only (no ``style`` attribute,
no script), so it renders the same under a Content-Security-Policy that forbids inline
styles, in a file opened offline, and inside the portal. ``TIMELINE_CSS`` holds only
niceties (spacing, the list's look); the fragment reads without it. The SVG is one
image with a short label; the text alternative is the list that follows it, which
names every appearance with its times and decision (colour never says it alone).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from likeness.domain.decision import DecisionOutcome
from likeness.domain.scan import Appearance, MediaResult

COLOURS = {
    DecisionOutcome.COVERED: "#2e7d32",
    DecisionOutcome.EXEMPT: "#1565c0",
    DecisionOutcome.NOT_COVERED: "#c62828",
    DecisionOutcome.UNKNOWN: "#757575",
}
UNKNOWN_PERSON = "unknown person"
ERASED_PERFORMER = "a performer not named here"

# Lane geometry, in pixels: a label line above each lane's bar band, an axis below.
LABEL = 16
BAND = 26
LANE = LABEL + BAND + 6
AXIS = 26
THUMB = BAND - 2
# Tick steps in seconds, smallest first: the first that gives at most MAX_TICKS is used.
STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
MAX_TICKS = 8

TIMELINE_CSS = (
    ".scan-timeline{margin:6px 0 18px;max-width:100%}"
    ".scan-timeline svg{display:block;width:100%;overflow:visible}"
    ".scan-timeline details{margin-top:4px}"
    ".scan-timeline ol{margin:4px 0;padding-left:1.4em}"
    ".scan-timeline li img{width:32px;height:32px;object-fit:cover;vertical-align:middle;"
    "margin-right:6px}"
)


@dataclass(frozen=True)
class _Lane:
    label: str
    appearances: tuple[Appearance, ...]


def who(appearance: Appearance, names: Mapping[str, str]) -> str:
    """The name an appearance is shown under: never the bare id (the caller passes the
    names it may show; an id it has no name for is named as not shown here)."""
    if appearance.performer_id is None:
        return UNKNOWN_PERSON
    return names.get(appearance.performer_id, ERASED_PERFORMER)


def clock(seconds: float) -> str:
    """``seconds`` as m:ss (h:mm:ss from an hour), tenths kept where there are any."""
    whole = int(seconds)
    tenths = round((seconds - whole) * 10)
    if tenths == 10:
        whole, tenths = whole + 1, 0
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{text}.{tenths}" if tenths else text


def ticks(duration: float) -> list[float]:
    """Axis ticks from 0 to ``duration``: at most MAX_TICKS + 1, on a round step."""
    if duration <= 0:
        return [0.0]
    step = next((s for s in STEPS if duration / s <= MAX_TICKS), STEPS[-1])
    count = int(duration // step)
    while count > MAX_TICKS:  # longer than MAX_TICKS of the largest step
        step *= 2
        count = int(duration // step)
    return [float(i * step) for i in range(count + 1)]


def _lanes(media: MediaResult, names: Mapping[str, str]) -> list[_Lane]:
    """One lane per person and modality, in order of first appearance."""
    keys: dict[tuple[str, str], list[Appearance]] = {}
    for a in sorted(media.appearances, key=lambda a: (a.start, a.end)):
        keys.setdefault((who(a, names), a.modality.value), []).append(a)
    return [_Lane(f"{name} — {modality}", tuple(items)) for (name, modality), items in keys.items()]


def _pct(value: float, length: float) -> str:
    return f"{100 * value / length:.2f}%"


def _bars(lane: _Lane, top: int, length: float, names: Mapping[str, str]) -> list[str]:
    e = html.escape
    parts = [
        f"<text x='0' y='{top + LABEL - 4}' fill='#222' font-size='12'>{e(lane.label)}</text>",
        f"<rect class='lane' x='0' y='{top + LABEL}' width='100%' height='{BAND}' fill='#eee'/>",
    ]
    for a in lane.appearances:
        start, end = float(a.start), float(a.end)
        width = max(100 * (end - start) / length, 0.6)
        outcome = a.outcome.value
        title = f"{who(a, names)}, {clock(start)}–{clock(end)}: {outcome.replace('_', ' ')}"
        parts.append(
            f"<rect class='bar' data-decision='{e(outcome)}' x='{_pct(start, length)}'"
            f" y='{top + LABEL}'"
            f" width='{width:.2f}%' height='{BAND}' rx='3' fill='{COLOURS[a.outcome]}'>"
            f"<title>{e(title)}</title></rect>"
        )
        if a.thumbnail.startswith("data:image/"):
            parts.append(
                f"<image class='thumb' href='{e(a.thumbnail)}' x='{_pct(start, length)}'"
                f" y='{top + LABEL + 1}' width='{THUMB}' height='{THUMB}'"
                " preserveAspectRatio='xMidYMid slice'/>"
            )
    return parts


def _axis(top: int, length: float) -> list[str]:
    parts = [
        f"<line x1='0' y1='{top}' x2='100%' y2='{top}' stroke='#595959' stroke-width='1'/>",
    ]
    marks = ticks(length)
    for i, t in enumerate(marks):
        x = _pct(t, length)
        anchor = "start" if i == 0 else "end" if t >= length - 1e-9 else "middle"
        parts.append(
            f"<line class='tick' x1='{x}' y1='{top}' x2='{x}' y2='{top + 5}' stroke='#595959'/>"
            f"<text class='tick-label' x='{x}' y='{top + 18}' fill='#222' font-size='11'"
            f" text-anchor='{anchor}'>{clock(t)}</text>"
        )
    return parts


def _dom_id(media: MediaResult, key: str) -> str:
    """The fragment's element id prefix: from ``key`` where given (stable, as a golden
    file needs), else from the media's path."""
    if key:
        return "timeline-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)
    return "timeline-" + hashlib.sha256(media.path.encode()).hexdigest()[:10]


def timeline_html(media: MediaResult, names: Mapping[str, str], *, key: str = "") -> str:
    """``media``'s appearances as a self-contained HTML fragment: an SVG timeline (one
    lane per person and modality, bars coloured by decision, thumbnails at the start
    of faces, an axis in m:ss) and the same appearances as a list, its text alternative.

    ``names`` maps performer ids to the names the reader may see; ``key`` (a page's own
    index or id for the file) makes the fragment's element ids unique on a page that
    shows several files; without it they derive from the media's path.
    """
    e = html.escape
    length = max(media.duration, max((float(a.end) for a in media.appearances), default=0.0))
    length = max(length, 1e-6)
    lanes = _lanes(media, names)
    ident = _dom_id(media, key)
    axis_top = LANE * len(lanes) + 2
    height = axis_top + AXIS
    label = (
        f"Timeline of {media.path}, {clock(length)} long: {len(media.appearances)} "
        f"appearance{'s' if len(media.appearances) != 1 else ''}, listed below"
    )
    parts = [
        f"<figure class='scan-timeline' data-media='{e(media.path)}'>",
        f"<svg class='timeline' width='100%' height='{height}' role='img'"
        # no xmlns: inline SVG in HTML needs none, and the report names no URL at all
        f" aria-labelledby='{ident}-label' focusable='false'>",
        f"<title id='{ident}-label'>{e(label)}</title>",
    ]
    for index, lane in enumerate(lanes):
        parts.extend(_bars(lane, index * LANE, length, names))
    parts.extend(_axis(axis_top, length))
    parts.append("</svg>")
    parts.append(_text_alternative(media, names, ident))
    parts.append("</figure>")
    return "".join(parts)


def _text_alternative(media: MediaResult, names: Mapping[str, str], ident: str) -> str:
    e = html.escape
    items: Sequence[Appearance] = sorted(media.appearances, key=lambda a: (a.start, a.end))
    if not items:
        return f"<p id='{ident}-list' class='timeline-list'>Nobody registered was found.</p>"
    rows = []
    for a in items:
        image = f"<img alt='' src='{e(a.thumbnail)}'>" if a.thumbnail.startswith("data:") else ""
        rows.append(
            f"<li class='appearance-item' data-decision='{e(a.outcome.value)}'>{image}"
            f"{e(who(a, names))} ({e(a.modality.value)}), "
            f"{clock(float(a.start))}–{clock(float(a.end))}: "
            f"{e(a.outcome.value.replace('_', ' '))}</li>"
        )
    return (
        f"<details class='timeline-list'><summary>The timeline as a list</summary>"
        f"<ol id='{ident}-list'>{''.join(rows)}</ol></details>"
    )
