"""Weights (with redistribution for missing data), contributions that add up to the score, bands, definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashapp.scoring.compute import (
    assign_bands,
    effective_weights,
    finalise,
    nominal_weights,
    round_contributions,
    score_accounts,
)
from dashapp.scoring.defaults import DEFAULT_DEFINITION
from dashapp.scoring.definition import ScorecardError, parse_definition
from dashapp.scoring.inputs import Inputs, Request

nan = np.nan

TWO_GROUPS = {
    "rollup": "mean",
    "bands": [
        {"name": "red", "min_score": 0},
        {"name": "yellow", "min_score": 40},
        {"name": "green", "min_score": 70},
    ],
    "groups": [
        {
            "key": "usage",
            "label": "Usage",
            "weight": 3,
            "measures": [
                {
                    "key": "users",
                    "label": "Users",
                    "metric": "active_users",
                    "aggregation": "avg",
                    "weight": 2,
                    "normalisation": {"type": "linear", "low": 0, "high": 100},
                },
                {
                    "key": "days",
                    "label": "Days",
                    "metric": "active_days",
                    "aggregation": "count",
                    "weight": 1,
                    "normalisation": {"type": "linear", "low": 0, "high": 30},
                },
            ],
        },
        {
            "key": "sentiment",
            "label": "Sentiment",
            "weight": 1,
            "measures": [
                {
                    "key": "nps",
                    "label": "NPS",
                    "metric": "nps",
                    "aggregation": "avg",
                    "window_days": 180,
                    "weight": 1,
                    "normalisation": {"type": "linear", "low": 0, "high": 10},
                }
            ],
        },
    ],
}


def _inputs(users: list[float], days: list[float], nps: list[float]) -> Inputs:
    ids = np.arange(1, len(users) + 1)
    return Inputs(
        ids,
        {
            Request("active_users", "avg", 28): np.array(users, dtype=float),
            Request("active_days", "count", 28): np.array(days, dtype=float),
            Request("nps", "avg", 182): np.array(nps, dtype=float),
        },
    )


def test_nominal_weights_are_group_share_times_share_within_group() -> None:
    within, group, _ = nominal_weights(parse_definition(TWO_GROUPS))
    np.testing.assert_allclose(within * group, [0.5, 0.25, 0.25])


def test_missing_measure_gives_its_weight_to_its_group_then_missing_group_to_other_groups() -> None:
    definition = parse_definition(TWO_GROUPS)
    frame = score_accounts(
        definition, 1, _inputs([50, 50, nan, nan], [15, nan, 15, nan], [5, 5, 5, 5]), np.array(["x"] * 4)
    )
    eff = frame.effective_weight
    np.testing.assert_allclose(eff[0], [0.5, 0.25, 0.25])  # nothing missing
    np.testing.assert_allclose(eff[1], [0.75, 0.0, 0.25])  # days missing -> users takes the group's weight
    np.testing.assert_allclose(eff[2], [0.0, 0.75, 0.25])
    np.testing.assert_allclose(eff[3], [0.0, 0.0, 1.0])  # whole usage group missing -> sentiment has it all
    np.testing.assert_allclose(eff.sum(axis=1), 1.0)
    assert frame.missing[1].tolist() == [False, True, False]
    np.testing.assert_allclose(frame.score, [50, 50, 50, 50])


def test_account_with_no_data_at_all_is_not_scored() -> None:
    definition = parse_definition(TWO_GROUPS)
    frame = score_accounts(definition, 1, _inputs([nan, 10], [nan, 10], [nan, 10]), np.array(["x", "x"]))
    assert np.isnan(frame.score[0]) and not np.isnan(frame.score[1])
    done = finalise(frame, {1: definition})
    assert done.account_ids.tolist() == [2]


def test_effective_weights_all_absent_row_is_zero() -> None:
    absent = np.zeros((1, 3), dtype=bool)
    eff = effective_weights(absent, np.array([0.5, 0.5, 1.0]), np.array([0.6, 0.6, 0.4]), [0, 0, 1])
    assert eff.tolist() == [[0.0, 0.0, 0.0]]


def test_contributions_add_up_to_the_rounded_score_exactly() -> None:
    definition = parse_definition(TWO_GROUPS)
    frame = score_accounts(
        definition, 1, _inputs([33.33, 66.67, 12.345], [7, 19, 29], [3.3, 9.1, nan]), np.array(["x"] * 3)
    )
    done = finalise(frame, {1: definition})
    for row in range(3):
        tenths = np.round(done.contribution[row] * 10).astype(int)
        assert tenths.sum() == round(done.score[row] * 10)
    # 33.33/2 + 23.33/4 + 33/4; 66.67/2 + 63.33/4 + 91/4; NPS missing: 12.345*2/3 + 96.67/3
    assert done.score.tolist() == [30.7, 71.9, 40.5]
    assert done.band.tolist() == ["red", "green", "yellow"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=12),
        min_size=1,
        max_size=20,
    ).filter(lambda rows: len({len(r) for r in rows}) == 1)
)
def test_largest_remainder_rounding_always_sums_to_the_score(rows: list[list[float]]) -> None:
    normalised = np.array(rows)
    weights = np.full(normalised.shape[1], 1.0 / normalised.shape[1])
    contribution = normalised * weights
    score, rounded = round_contributions(contribution, contribution.sum(axis=1))
    assert (np.round(rounded.sum(axis=1) * 10) == np.round(score * 10)).all()
    assert (np.abs(rounded - contribution) < 0.1 + 1e-9).all()
    assert (rounded >= 0).all()


def test_bands_use_each_versions_cut_offs() -> None:
    a = parse_definition(TWO_GROUPS)
    b = parse_definition(
        {**TWO_GROUPS, "bands": [{"name": "low", "min_score": 0}, {"name": "high", "min_score": 50}]}
    )
    scores = np.array([0.0, 39.9, 40.0, 69.9, 70.0, 100.0, 49.9, 50.0])
    bands = assign_bands(scores, np.array([1] * 6 + [2] * 2), {1: a, 2: b})
    assert bands.tolist() == ["red", "red", "yellow", "yellow", "green", "green", "low", "high"]


def test_default_definition_is_valid_and_has_the_five_groups() -> None:
    definition = parse_definition(DEFAULT_DEFINITION)
    assert [g.label for g in definition.groups] == ["Usage", "Engagement", "Support", "Billing", "Sentiment"]
    assert definition.band_names() == ["red", "yellow", "green"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["groups"][0]["measures"][0].update(weight=0), "groups[0].measures[0].weight"),
        (lambda d: d["groups"][0]["measures"][0].update(metric="nope"), "unknown metric 'nope'"),
        (
            lambda d: d["groups"][0]["measures"][0].update(aggregation="distinct"),
            "does not apply to active_users",
        ),
        (lambda d: d["groups"][1]["measures"][0].update(key="users"), "measure keys must be unique: users"),
        (lambda d: d["bands"].reverse(), "first band must start at min_score 0"),
        (
            lambda d: d["groups"][0]["measures"][0].update(
                normalisation={"type": "thresholds", "breaks": [1, 2], "scores": [0, 50, 100]},
                direction="lower_is_better",
            ),
            "must not rise",
        ),
        (
            lambda d: d["groups"][0]["measures"][0].update(
                metric="open_tickets", aggregation="count", normalisation={"type": "trend"}
            ),
            "trend needs a metric measured over a window",
        ),
        (
            lambda d: d["groups"][0]["measures"][0]["normalisation"].update(low=100),
            "high must be greater than low",
        ),
    ],
)
def test_invalid_definitions_say_where_and_what(change, message) -> None:
    import copy

    data = copy.deepcopy(TWO_GROUPS)
    change(data)
    with pytest.raises(ScorecardError) as err:
        parse_definition(data)
    assert message in str(err.value)


def test_custom_attribute_metrics_are_allowed() -> None:
    import copy

    data = copy.deepcopy(TWO_GROUPS)
    data["groups"][1]["measures"].append(
        {
            "key": "seats",
            "label": "Seat utilisation",
            "metric": "custom.seat_utilisation",
            "aggregation": "value",
            "weight": 1,
            "normalisation": {"type": "linear", "low": 0.2, "high": 0.9},
        }
    )
    assert parse_definition(data).measures[-1][1].metric_info.family == "custom"
