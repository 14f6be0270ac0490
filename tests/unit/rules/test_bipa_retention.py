"""740 ILCS 14/15(a): destroy when the purpose is satisfied or within 3 years of the last
interaction, whichever occurs first (rules.md IL1). Expected days written out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from likeness.rules.il_bipa import MAX_YEARS_AFTER_LAST_INTERACTION, destroy_by


def test_three_years_after_the_last_interaction_by_default() -> None:
    assert MAX_YEARS_AFTER_LAST_INTERACTION == 3  # rules_constants.yaml il_bipa
    assert destroy_by(date(2026, 1, 5)) == date(2029, 1, 5)
    assert destroy_by(date(2026, 1, 5), years=1) == date(2027, 1, 5)


def test_29_february_counts_from_28_february() -> None:
    assert destroy_by(date(2028, 2, 29)) == date(2031, 2, 28)
    assert destroy_by(date(2028, 2, 29), years=1) == date(2029, 2, 28)


def test_whichever_occurs_first() -> None:
    assert destroy_by(date(2026, 1, 5), purpose_satisfied_on=date(2027, 6, 1)) == date(2027, 6, 1)
    assert destroy_by(date(2026, 1, 5), purpose_satisfied_on=date(2030, 1, 1)) == date(2029, 1, 5)


@pytest.mark.parametrize("years", [0, 4, 10])
def test_a_schedule_the_statute_does_not_allow_is_refused(years: int) -> None:
    with pytest.raises(ValueError, match="at most 3 years"):
        destroy_by(date(2026, 1, 5), years=years)
