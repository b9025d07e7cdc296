"""Why-it-moved explanations, hierarchy roll-ups and backtest figures (pure functions)."""

from __future__ import annotations

import copy
import json
from datetime import date

import numpy as np
import pytest

from dashapp.scoring.backtest import default_as_of_dates, evaluate, format_table, mean_auc
from dashapp.scoring.compute import MeasureInfo, finalise, score_accounts
from dashapp.scoring.definition import parse_definition
from dashapp.scoring.explain import Earlier, explain, phrases
from dashapp.scoring.inputs import Inputs, Request
from dashapp.scoring.rollup import depths, roll_up
from tests.scoring.test_compute import TWO_GROUPS

DAY = date(2026, 3, 31)


def _support_definition():
    data = copy.deepcopy(TWO_GROUPS)
    data["groups"][1]["measures"].append(
        {
            "key": "urgent",
            "label": "Urgent tickets",
            "metric": "urgent_tickets",
            "aggregation": "count",
            "direction": "lower_is_better",
            "weight": 1,
            "normalisation": {"type": "thresholds", "breaks": [1, 2, 4], "scores": [100, 55, 25, 0]},
        }
    )
    return parse_definition(data)


def _frame(users, days, nps, urgent):
    definition = _support_definition()
    inputs = Inputs(
        np.arange(1, len(users) + 1),
        {
            Request("active_users", "avg", 28): np.array(users, dtype=float),
            Request("active_days", "count", 28): np.array(days, dtype=float),
            Request("nps", "avg", 182): np.array(nps, dtype=float),
            Request("urgent_tickets", "count", 28): np.array(urgent, dtype=float),
        },
    )
    return definition, finalise(
        score_accounts(definition, 1, inputs, np.array(["x"] * len(users))), {1: definition}
    )


def _earlier(frame, days):
    return Earlier(days, frame.score.copy(), frame.contribution.copy(), frame.raw.copy())


def test_explanation_names_the_biggest_movers_in_a_plain_sentence() -> None:
    _d, before = _frame([100], [30], [9], [0])
    _d, now = _frame([62], [30], [9], [3])
    month = _earlier(before, [date(2026, 3, 1)])
    explanations, texts = explain(now, DAY, Earlier.empty(1, len(now.keys)), month)
    explanations = [json.loads(e) for e in explanations]
    delta = now.score[0] - before.score[0]
    assert round(delta) < 0
    # Active users moved the score most (-19 points), then urgent tickets (-9.4).
    assert texts[0] == "Down 28 since last month: active users -38%, 3 new urgent tickets."
    movers = explanations[0]["month"]
    assert [m["key"] for m in movers] == ["users", "urgent"]
    assert movers[1]["before"] == 0 and movers[1]["after"] == 3
    assert sum(m["delta"] for m in movers) == pytest.approx(delta, abs=0.2)
    assert explanations[0]["month_day"] == "2026-03-01"
    assert explanations[0]["previous"] == [] and "previous_day" not in explanations[0]
    assert movers[0] == {"key": "users", "label": "Users", "delta": -19.0, "before": 100.0, "after": 62.0}


def test_explanation_since_yesterday_steady_and_first_score() -> None:
    _d, base = _frame([50, 50, 50], [20, 20, 20], [8, 8, 8], [0, 0, 0])
    _d, now = _frame([50, 80, 50], [20, 20, 20], [8, 8, 8], [0, 0, 0])
    previous = _earlier(base, [date(2026, 3, 30), date(2026, 3, 30), None])
    previous.score[2] = np.nan
    explanations, texts = explain(now, DAY, previous, Earlier.empty(3, len(now.keys)))
    assert json.loads(explanations[2]) == {"previous": [], "month": []}
    assert json.loads(explanations[1])["previous_delta"] == 15.0
    assert texts[0] == "Steady since yesterday."
    assert texts[1] == "Up 15 since yesterday: active users +60%."
    assert texts[2] == "First health score for this account."


def test_phrases_by_kind_of_metric() -> None:
    def phrase(metric, before, after, trend=False):
        info = MeasureInfo(key="k", label="L", group="G", metric=metric, trend=trend)
        return phrases(info, np.array([before], dtype=float), np.array([after], dtype=float)).tolist()[0]

    nan = float("nan")
    assert phrase("active_users", -10, -38.2, trend=True) == "active users -38%"
    assert phrase("active_users", 50, 31) == "active users -38%"
    assert phrase("active_users", 0, 4) == "active users up from 0"
    assert phrase("failed_payments", 0, 2) == "2 new failed payments"
    assert phrase("urgent_tickets", 4, 1) == "3 fewer urgent tickets"
    assert phrase("open_tickets", 1, 3) == "2 more open tickets"
    assert phrase("urgent_tickets", 0, 1) == "1 new urgent ticket"
    assert phrase("failed_payments", 2, 1) == "1 fewer failed payment"
    assert phrase("tickets", 2, 2) == "tickets 2 (was 2)"
    assert phrase("nps", 8, 3) == "NPS 3 (was 8)"
    assert phrase("survey_csat", 4.25, 3.5) == "CSAT 3.5 (was 4.2)"
    assert phrase("days_overdue", 0, 31) == "days overdue 31 days (was 0 days)"
    assert phrase("ticket_csat", 4.5, nan) == "no recent ticket CSAT data"
    assert phrase("nps", nan, 9) == "NPS 9"


def test_depths_follow_parent_chains_and_stop_on_cycles() -> None:
    assert depths(np.array([-1, 0, 1, 1, -1])).tolist() == [0, 1, 2, 2, 0]
    assert depths(np.array([1, 0])).max() <= 32


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("mean", lambda s, arr: (s[1] + s[2] + s[3]) / 3),
        (
            "arr_weighted",
            lambda s, arr: (s[1] * arr[1] + s[2] * arr[2] + s[3] * arr[3]) / (arr[1] + arr[2] + arr[3]),
        ),
        ("worst", lambda s, arr: min(s[1], s[2], s[3])),
    ],
)
def test_parent_follows_its_rollup_rule_and_contributions_still_add_up(rule, expected) -> None:
    definition = _support_definition()
    inputs = Inputs(
        np.array([10, 11, 12, 13]),
        {
            Request("active_users", "avg", 28): np.array([100, 20, 60, 90.0]),
            Request("active_days", "count", 28): np.array([30, 5, 20, 28.0]),
            Request("nps", "avg", 182): np.array([10, 2, np.nan, 9.0]),
            Request("urgent_tickets", "count", 28): np.array([0, 5, 1, 0.0]),
        },
    )
    frame = score_accounts(definition, 1, inputs, np.array(["x"] * 4))
    child_scores = frame.score.copy()
    arr = np.array([0, 1000, 5000, 200.0])
    rolled = roll_up(frame, np.array([np.nan, 10, 10, 10]), arr, np.array([rule] * 4, dtype=object))
    assert rolled.score[0] == pytest.approx(expected(child_scores, arr))
    assert rolled.contribution[0].sum() == pytest.approx(rolled.score[0])
    assert rolled.rollups[10] == {"rule": rule, "children": 3}
    done = finalise(rolled, {1: definition})
    assert round(done.contribution[0].sum() * 10) == round(done.score[0] * 10)
    # The children keep their own scores.
    np.testing.assert_allclose(rolled.score[1:], child_scores[1:])


def test_grandparent_rolls_up_the_rolled_up_parent() -> None:
    definition = _support_definition()
    inputs = Inputs(
        np.array([1, 2, 3, 4]),
        {
            Request("active_users", "avg", 28): np.array([0, 0, 100, 0.0]),
            Request("active_days", "count", 28): np.array([0, 0, 30, 0.0]),
            Request("nps", "avg", 182): np.array([0, 0, 10, 0.0]),
            Request("urgent_tickets", "count", 28): np.array([9, 9, 0, 9.0]),
        },
    )
    frame = score_accounts(definition, 1, inputs, np.array(["x"] * 4))
    # 1 <- 2 <- (3, 4): account 3 scores 100, account 4 scores 0.
    rolled = roll_up(frame, np.array([np.nan, 1, 2, 2]), np.zeros(4), np.array(["mean"] * 4, dtype=object))
    assert rolled.score[1] == pytest.approx(50)
    assert rolled.score[0] == pytest.approx(50)


def test_backtest_auc_band_rates_and_table() -> None:
    scores = np.array([10, 20, 30, 80, 90, 95.0])
    bands = np.array(["red", "red", "red", "green", "green", "green"])
    churned = np.array([True, True, False, False, False, False])
    result = evaluate(DAY, scores, bands, churned, ["red", "yellow", "green"])
    assert result["auc"] == 1.0
    assert result["bands"]["red"] == {"accounts": 3, "churned": 2, "rate": round(2 / 3, 4)}
    assert result["bands"]["yellow"] == {"accounts": 0, "churned": 0, "rate": None}
    none_churned = evaluate(DAY, scores, bands, np.zeros(6, dtype=bool), ["red", "green"])
    assert none_churned["auc"] is None
    assert mean_auc([result, none_churned]) == 1.0
    table = format_table([result], ["red", "yellow", "green"])
    assert "2026-03-31" in table and "1.000" in table and "66.7% of 3" in table and "mean AUC: 1.000" in table


def test_default_as_of_dates_leave_room_for_the_horizon() -> None:
    dates = default_as_of_dates(date(2026, 6, 30), 90, count=3, step_days=30, earliest=date(2026, 1, 1))
    assert dates == [date(2026, 1, 31), date(2026, 3, 2), date(2026, 4, 1)]
