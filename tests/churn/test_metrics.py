"""Evaluation figures on hand-checkable cases: calibration bins, top-decile lift, Brier reference, split."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from dashapp.analytics.churn import metrics
from dashapp.analytics.churn.features import attribute_frame, infer_spec
from dashapp.analytics.churn.training import TrainingError, split


def test_calibration_bins_have_equal_counts_and_their_own_observed_rates() -> None:
    p = np.repeat(np.linspace(0.05, 0.95, 10), 100)
    rng = np.random.default_rng(1)
    y = (rng.random(len(p)) < p).astype(int)
    curve = metrics.calibration(y, p)
    assert [c["count"] for c in curve] == [100] * 10
    assert [c["predicted"] for c in curve] == pytest.approx(list(np.linspace(0.05, 0.95, 10)), abs=1e-4)
    for c, prob in zip(curve, np.linspace(0.05, 0.95, 10), strict=True):
        assert c["observed"] == pytest.approx(y[p == prob].mean(), abs=1e-4)
        assert abs(c["observed"] - prob) < 0.15  # well calibrated by construction


def test_a_miscalibrated_model_shows_it() -> None:
    y = np.array([0] * 900 + [1] * 100)
    p = np.full(1000, 0.6)  # says 60%, truth is 10%
    result = metrics.evaluate(y, p)
    assert result["calibration"] == [{"predicted": 0.6, "observed": 0.1, "count": 1000}]
    assert result["brier"] == pytest.approx(0.9 * 0.36 + 0.1 * 0.16)
    assert result["brier_reference"] == pytest.approx(0.09)
    assert result["brier"] > result["brier_reference"]
    assert result["roc_auc"] == 0.5


def test_top_decile_lift() -> None:
    y = np.array([1] * 10 + [0] * 90)
    perfect = np.linspace(1, 0, 100)
    assert metrics.top_decile_lift(y, perfect) == pytest.approx(10.0)
    assert metrics.top_decile_lift(y, -perfect) == 0.0
    assert metrics.top_decile_lift(np.zeros(10), perfect[:10]) is None


def test_time_split_purges_dates_whose_outcome_reaches_the_test_period() -> None:
    start = date(2025, 1, 1)
    dates = [start + timedelta(days=30 * i) for i in range(12)]
    rows = pd.DataFrame({"as_of": np.repeat(dates, 5), "label": np.tile([0, 1, 0, 0, 1], 12)})
    train, test, info = split(rows, horizon_days=90)
    assert info["test_dates"] == [d.isoformat() for d in dates[9:]]
    assert info["train_dates"] == [d.isoformat() for d in dates[:7]]
    assert info["purged_dates"] == [d.isoformat() for d in dates[7:9]]
    assert max(rows.loc[train, "as_of"]) + timedelta(days=90) <= min(rows.loc[test, "as_of"])
    with pytest.raises(TrainingError, match="not enough history"):
        split(rows[rows["as_of"].isin(dates[:3])], horizon_days=90)


def test_attributes_become_numbers_or_text_and_label_like_ones_are_left_out() -> None:
    ids = pd.Series([1, 2, 3, 4])
    attrs = pd.Series(
        [
            {"seats": "10", "tier": "gold", "Churned": "Yes", "total": " "},
            {"seats": 12, "tier": "silver", "Churned": "No", "total": "1,200.5"},
            {"tier": None, "total": "7"},
            {"seats": "x", "tier": "gold"},
        ]
    )
    frame = attribute_frame(ids, attrs)
    assert "attr.Churned" not in frame
    assert frame["attr.total"].tolist()[1:3] == [1200.5, 7.0] and np.isnan(frame["attr.total"].iloc[0])
    seats = frame["attr.seats"]  # one value is not a number: all text
    assert seats.iloc[[0, 1, 3]].tolist() == ["10", "12", "x"] and pd.isna(seats.iloc[2])
    spec = infer_spec(frame.assign(label=0, as_of=date(2025, 1, 1), account_id=ids.to_numpy()), "snapshot")
    assert "attr.total" in spec.numeric and "attr.tier" in spec.categorical
