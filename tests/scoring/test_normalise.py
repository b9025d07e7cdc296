"""Normalisations: thresholds, linear range, percentile rank within segment, trend vs previous window."""

from __future__ import annotations

import numpy as np
import pytest

from dashapp.scoring.definition import Measure
from dashapp.scoring.normalise import linear, normalise, percent_change, percentile_rank, thresholds

nan = np.nan


def test_thresholds_steps_including_boundaries_and_missing() -> None:
    values = np.array([0, 0.99, 1, 1.5, 2, 3.99, 4, 100, nan])
    out = thresholds(values, [1, 2, 4], [100, 55, 25, 0])
    np.testing.assert_array_equal(out, [100, 100, 55, 55, 25, 25, 0, 0, nan])


def test_linear_clips_and_flips_for_lower_is_better() -> None:
    values = np.array([-5, 4, 13, 22, 40, nan])
    np.testing.assert_allclose(linear(values, 4, 22), [0, 0, 50, 100, 100, nan])
    np.testing.assert_allclose(linear(values, 4, 22, higher_is_better=False), [100, 100, 50, 0, 0, nan])


def test_percent_change_handles_zero_baselines_and_missing() -> None:
    current = np.array([62, 100, 0, 5, nan, 3])
    previous = np.array([100, 100, 0, 0, 4, nan])
    np.testing.assert_allclose(percent_change(current, previous), [-38, 0, 0, 100, nan, nan])


def test_percentile_rank_within_segment_with_ties_and_small_segments() -> None:
    values = np.array([10, 20, 30, 40, 5, 5, 1000, nan])
    segments = np.array(["a", "a", "a", "a", "b", "b", "b", "a"], dtype=object)
    out = percentile_rank(values, segments, min_peers=3)
    # Segment a ranks 10, 20, 30, 40 among four peers (mid-rank: 12.5, 37.5, 62.5, 87.5).
    np.testing.assert_allclose(out[:4], [12.5, 37.5, 62.5, 87.5])
    # Segment b has three peers: the two tied 5s share the average rank, 1000 is top.
    np.testing.assert_allclose(out[4:7], [100 / 3, 100 / 3, 250 / 3])
    assert np.isnan(out[7])


def test_percentile_rank_falls_back_to_everyone_when_a_segment_is_too_small() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0])
    segments = np.array(["a", "a", "a", "tiny"], dtype=object)
    out = percentile_rank(values, segments, min_peers=2)
    np.testing.assert_allclose(out, [100 / 6, 50, 500 / 6, 87.5])  # "tiny" ranks among all four
    lower = percentile_rank(values, None, higher_is_better=False)
    np.testing.assert_allclose(lower, [87.5, 62.5, 37.5, 12.5])


def _measure(**overrides: object) -> Measure:
    data: dict[str, object] = {
        "key": "m",
        "label": "M",
        "metric": "active_users",
        "aggregation": "avg",
        "weight": 1,
        "normalisation": {"type": "trend", "low": -50, "high": 10},
    }
    data.update(overrides)
    return Measure.model_validate(data)


def test_trend_normalisation_maps_percent_change_onto_its_range() -> None:
    measure = _measure()
    np.testing.assert_allclose(normalise(measure, np.array([-60, -50, -20, 10, 50])), [0, 0, 50, 100, 100])


@pytest.mark.parametrize(
    ("norm", "direction", "raw", "expected"),
    [
        ({"type": "linear", "low": 0, "high": 10}, "lower_is_better", [0, 5, 10], [100, 50, 0]),
        ({"type": "thresholds", "breaks": [1], "scores": [100, 0]}, "lower_is_better", [0, 1], [100, 0]),
        ({"type": "percentile", "within": "all"}, "higher_is_better", [1, 2], [25, 75]),
    ],
)
def test_normalise_dispatches_on_the_measure(norm, direction, raw, expected) -> None:
    measure = _measure(normalisation=norm, direction=direction)
    np.testing.assert_allclose(normalise(measure, np.array(raw, dtype=float)), expected)
