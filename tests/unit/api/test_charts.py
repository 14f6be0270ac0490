"""The portal's server-drawn charts: well-formed, proportional, and readable as text."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

from likeness.api.charts import (
    GENUINE,
    IMPOSTOR,
    Bar,
    Marker,
    Series,
    bar_chart,
    column_chart,
    histogram_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # the whole figure is XML, not only the SVG


def bars_of(figure: ET.Element) -> list[ET.Element]:
    return list(figure.iter(f"{SVG}rect"))


def table_rows(figure: ET.Element) -> list[list[str]]:
    body = figure.find(".//tbody")
    assert body is not None
    return [["".join(cell.itertext()) for cell in row] for row in body]


def test_column_heights_are_proportional_to_the_values() -> None:
    figure = parse(
        column_chart(
            "earnings",
            "Earnings by month",
            "What was owed each month",
            [Bar("Jan 2026", 125, "125.00 USD"), Bar("Feb 2026", 500), Bar("Mar 2026", 0)],
        )
    )
    svg = figure.find(f"{SVG}svg")
    assert svg is not None and svg.get("role") == "img"
    rects = [r for r in bars_of(figure) if r.get("class") == "bar"]
    heights = [float(r.get("height", "nan")) for r in rects]
    assert heights[2] == 0
    assert heights[1] == pytest.approx(4 * heights[0])
    # the tallest reaches the axis' top (500 is a round top): 220 - 14 - 40 units
    assert heights[1] == pytest.approx(166)
    # bars stand on one baseline
    bottoms = {round(float(r.get("y", "0")) + float(r.get("height", "0")), 3) for r in rects}
    assert len(bottoms) == 1


def test_the_title_description_and_table_say_what_the_drawing_shows() -> None:
    figure = parse(
        column_chart(
            "earnings",
            "Earnings by month",
            "What was owed each month",
            [Bar("Jan 2026", 100, "100.00 USD"), Bar("Feb 2026", 1234.5)],
            label_name="Month",
            value_name="Owed",
        )
    )
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and title.text == "Earnings by month"
    assert desc is not None and desc.text == "What was owed each month"
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert table_rows(figure) == [["Jan 2026", "100.00 USD"], ["Feb 2026", "1,234.5"]]
    heads = ["".join(th.itertext()) for th in figure.iter("th") if th.get("scope") == "col"]
    assert heads == ["Month", "Owed"]
    assert svg.get("viewBox") == "0 0 360 220" and svg.get("width") == "100%"


def test_horizontal_bars_put_the_largest_first_at_full_length() -> None:
    figure = parse(
        bar_chart(
            "productions",
            "Earnings by production",
            "Owed by each production this year",
            [Bar("Small Film", 50), Bar("The Long Night", 200), Bar("Middle", 100)],
        )
    )
    widths = [float(r.get("width", "nan")) for r in bars_of(figure)]
    assert widths == pytest.approx([264, 132, 66])  # 360 - 4 - 92 units for the largest
    assert [row[0] for row in table_rows(figure)] == ["The Long Night", "Middle", "Small Film"]


def test_text_is_escaped_in_the_drawing_and_the_table() -> None:
    markup = str(bar_chart("x", "<b>T</b>", "a & b", [Bar('<script>alert("x")</script>', 1)]))
    assert "<script>" not in markup and "<b>" not in markup
    figure = parse(markup)
    assert table_rows(figure)[0][0] == '<script>alert("x")</script>'


def test_a_long_label_is_shortened_in_the_drawing_only() -> None:
    long = "A Production Whose Title Goes On And On Well Past Any Phone Screen"
    figure = parse(bar_chart("x", "t", "d", [Bar(long, 1)]))
    drawn = [t.text for t in figure.iter(f"{SVG}text")]
    assert long not in drawn and any(t and t.endswith("…") for t in drawn)
    assert table_rows(figure)[0][0] == long


@pytest.mark.parametrize("draw", [column_chart, bar_chart])
def test_no_data_gives_a_message_not_a_drawing(draw: object) -> None:
    markup = str(draw("none", "t", "d", [], empty="No uses reported yet."))  # type: ignore[operator]
    element = parse(markup)
    assert element.tag == "p" and element.text == "No uses reported yet."
    assert "<svg" not in markup


def test_a_histogram_draws_shares_and_marks_thresholds() -> None:
    figure = parse(
        histogram_chart(
            "cal",
            "Distances",
            "Genuine and impostor distances",
            [0.2, 0.3, 0.4, 0.5],
            [Series("genuine", [3, 1, 0], GENUINE), Series("impostor", [0, 2, 6], IMPOSTOR)],
            [Marker("chosen", 0.35), Marker("default", 0.6, dashed=True)],
            axis_label="distance",
        )
    )
    groups = {g.get("data-name"): g for g in figure.iter(f"{SVG}g")}
    genuine = [float(r.get("height", "nan")) for r in groups["genuine"]]
    impostor = [float(r.get("height", "nan")) for r in groups["impostor"]]
    assert len(genuine) == 2 and len(impostor) == 2  # empty bins are not drawn
    # shares of each series' own total: 3/4 and 1/4 genuine, 2/8 and 6/8 impostor
    assert genuine[0] == pytest.approx(3 * genuine[1])
    assert impostor[1] == pytest.approx(3 * impostor[0])
    assert genuine[0] == pytest.approx(impostor[1])
    lines = {
        float(line.get("data-value", "nan")): float(line.get("x1", "nan"))
        for line in figure.iter(f"{SVG}line")
        if line.get("class") == "marker"
    }
    assert set(lines) == {0.35, 0.6}
    left, right = 40, 352  # the axis runs 0.2 to 0.6 (the default widens it)
    assert lines[0.35] == pytest.approx(left + (0.35 - 0.2) / 0.4 * (right - left), abs=0.1)
    assert lines[0.6] == pytest.approx(right, abs=0.1)
    rows = table_rows(figure)
    assert rows == [["0.2 to 0.3", "3", "0"], ["0.3 to 0.4", "1", "2"], ["0.4 to 0.5", "0", "6"]]
    assert "chosen: 0.35; default: 0.6" in "".join(figure.itertext())


def test_a_histogram_with_nothing_counted_gives_a_message() -> None:
    empty = histogram_chart(
        "cal", "t", "d", [0, 1], [Series("genuine", [0], GENUINE)], empty="No distances."
    )
    assert parse(empty).text == "No distances."
    with pytest.raises(ValueError, match="2 counts for 1 bins"):
        histogram_chart("cal", "t", "d", [0, 1], [Series("genuine", [1, 2], GENUINE)])


def test_labels_along_the_bottom_never_overlap() -> None:
    months = [Bar(f"{name} 2026", i) for i, name in enumerate("JFMAMJJASOND")]
    figure = parse(column_chart("m", "t", "d", months))
    labels = [
        (float(t.get("x", "nan")), t.text or "")
        for t in figure.iter(f"{SVG}text")
        if t.get("text-anchor") == "middle"
    ]
    assert [text for _, text in labels] == ["J 2026", "A 2026", "J 2026", "O 2026"]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(labels)]
    assert min(gaps) >= len("J 2026") * 12 * 0.6  # 12-unit text, about 0.6 em a character
