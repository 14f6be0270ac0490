"""The calibration statistics (domain/calibration.py): known-answer intervals, pair
distances on a 3-4-5 triangle, the threshold chosen for a target, and refusals."""

from __future__ import annotations

import pytest

from likeness.domain.calibration import (
    BoundMethod,
    Distances,
    candidates,
    choose_threshold,
    evaluate,
    pair_distances,
    pairs_needed,
    rate,
    rates_at,
)
from likeness.errors import InvalidInputError

# Newcombe, "Two-sided confidence intervals for the single proportion: comparison of
# seven methods", Statistics in Medicine 17 (1998), Table II, method 3 (Wilson score).
NEWCOMBE_WILSON = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("errors", "trials", "lower", "upper"), NEWCOMBE_WILSON)
def test_wilson_bounds_match_the_published_values(
    errors: int, trials: int, lower: float, upper: float
) -> None:
    found = rate(errors, trials)
    assert found.method is BoundMethod.WILSON
    assert found.lower == pytest.approx(lower, abs=5e-5)
    assert found.upper == pytest.approx(upper, abs=5e-5)


def test_no_errors_is_bounded_by_the_rule_of_three() -> None:
    found = rate(0, 300)
    assert found.method is BoundMethod.RULE_OF_THREE
    assert (found.lower, found.upper) == (0.0, 0.01)
    assert rate(0, 2).upper == 1.0  # never above certainty
    assert pairs_needed(0.001) == 3000


def test_pair_distances_split_genuine_from_impostor() -> None:
    found = pair_distances({"a": [(0.0, 0.0), (3.0, 4.0)], "b": [(0.0, 8.0)]})
    assert found == Distances(genuine=(5.0,), impostor=(5.0, 8.0))


def test_a_match_is_strictly_below_the_threshold() -> None:
    d = Distances(genuine=(0.2, 0.4), impostor=(0.4, 0.6, 0.8))
    at = rates_at(d, 0.4)
    assert (at.fmr.errors, at.fmr.trials) == (0, 3)  # 0.4 is not below 0.4
    assert (at.fnmr.errors, at.fnmr.trials) == (1, 2)  # the genuine 0.4 is missed
    at = rates_at(d, 0.61)
    assert (at.fmr.errors, at.fnmr.errors) == (2, 0)


def test_the_threshold_admits_no_more_false_matches_than_the_target() -> None:
    impostor = tuple(0.5 + i / 1000 for i in range(1000))  # 0.500, 0.501, ... 1.499
    d = Distances(genuine=(0.3,), impostor=impostor)
    # 1/1000 of 1000 pairs: one false match allowed, so the second-closest is the edge
    assert choose_threshold(d, 0.001) == 0.501
    assert rates_at(d, 0.501).fmr.errors == 1
    assert choose_threshold(d, 0.0001) == 0.5  # none allowed: the closest impostor
    assert choose_threshold(d, 0.01) == 0.51
    # rounded down to 1e-4, never up past an impostor
    assert choose_threshold(Distances((0.1,), (0.56789, 0.9)), 0.1) == 0.5678


def test_evaluate_tables_the_candidates_the_choice_and_the_default() -> None:
    d = Distances(genuine=(0.31, 0.42), impostor=(0.56, 0.7, 0.93))
    e = evaluate(d, 0.001, default=0.5)
    assert e.threshold == 0.56
    thresholds = [p.threshold for p in e.table]
    assert 0.56 in thresholds and 0.5 in thresholds
    assert thresholds == sorted(thresholds) and thresholds[0] == 0.3 and thresholds[-1] == 0.95
    assert not e.demonstrated  # 3 impostor pairs: the bound is 1.0
    assert candidates(d) == tuple(round(0.3 + 0.05 * i, 4) for i in range(14))


def test_a_single_person_or_no_genuine_pair_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="at least two people"):
        pair_distances({"a": [(0.0,), (1.0,)]})
    with pytest.raises(InvalidInputError, match="two or more files"):
        pair_distances({"a": [(0.0,)], "b": [(1.0,)]})
    with pytest.raises(InvalidInputError, match="target false-match rate"):
        choose_threshold(Distances((0.1,), (0.5,)), 0.0)
