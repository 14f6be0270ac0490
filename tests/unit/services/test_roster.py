from datetime import date

import pytest

from likeness.domain.performer import RepresentativeCapacity
from likeness.errors import InvalidInputError
from likeness.services.roster import parse_representatives, parse_roster

HEADER = "legal_name,professional_name,union,member_number,date_of_birth\n"


def test_good_rows_parse_with_their_line_numbers() -> None:
    rows, problems = parse_roster(
        [
            HEADER,
            "Ada Lovelace,Ada L,SAG-AFTRA,100,1990-06-15\n",
            "Grace Hopper,,,,1985-12-09\n",
        ]
    )
    assert problems == []
    assert [row.line for row in rows] == [2, 3]
    assert rows[0].performer.member_number == "100"
    assert rows[1].performer.union is None
    assert rows[1].performer.date_of_birth == date(1985, 12, 9)


def test_every_bad_row_is_reported_by_line() -> None:
    rows, problems = parse_roster(
        [
            HEADER,
            "Ada,,SAG-AFTRA,100,1990-06-15\n",
            "Bad Date,,SAG-AFTRA,101,15/06/1990\n",
            "No Birth,,SAG-AFTRA,102,\n",
            "Too,Many,Fields,103,1990-01-01,extra\n",
        ]
    )
    assert len(rows) == 1
    assert [(p.line, p.message) for p in problems] == [
        (3, "date_of_birth '15/06/1990' is not an ISO 8601 date (YYYY-MM-DD)"),
        (4, "date_of_birth is empty"),
        (5, "more fields than the header has columns"),
    ]


def test_quoted_newlines_keep_line_numbers_true_to_the_file() -> None:
    text = HEADER + '"Ada\nLovelace",,,,1990-06-15\n' + "Bad,,,,nope\n"
    rows, problems = parse_roster(text.splitlines(keepends=True))
    assert rows[0].performer.legal_name == "Ada\nLovelace"
    assert [p.line for p in problems] == [4]  # the quoted field spans lines 2-3


def test_header_must_name_the_required_columns() -> None:
    with pytest.raises(InvalidInputError, match="missing column\\(s\\) member_number"):
        parse_roster(["legal_name,professional_name,union,date_of_birth\n"])
    with pytest.raises(InvalidInputError, match="unknown column\\(s\\) nickname"):
        parse_roster([HEADER.strip() + ",nickname\n"])
    with pytest.raises(InvalidInputError, match="empty"):
        parse_roster([])


def test_representatives_column() -> None:
    reps = parse_representatives("agent:Jane Roe; union:SAG-AFTRA Local 1")
    assert [(r.capacity, r.name) for r in reps] == [
        (RepresentativeCapacity.AGENT, "Jane Roe"),
        (RepresentativeCapacity.UNION, "SAG-AFTRA Local 1"),
    ]
    with pytest.raises(InvalidInputError, match="'cousin' is not one of"):
        parse_representatives("cousin:Bob")
    with pytest.raises(InvalidInputError, match="CAPACITY:NAME"):
        parse_representatives("Bob")


def test_blank_lines_are_skipped_and_do_not_shift_line_numbers() -> None:
    _rows, problems = parse_roster([HEADER, "\n", "\n", "Bad,,,,nope\n"])
    assert [p.line for p in problems] == [4]
    _rows, problems = parse_roster([HEADER, "Short,,\n"])
    assert [(p.line, p.message) for p in problems] == [
        (2, "fewer fields than the header has columns")
    ]
