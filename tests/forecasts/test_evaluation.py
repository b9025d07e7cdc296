"""Seasonal naive, MASE and the rolling-origin backtest on series whose answers are known by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dashapp.analytics.forecasting.evaluation import (
    backtest,
    in_sample_scale,
    mase,
    origins,
    relative_mae,
    seasonal_naive,
    verdict,
)


def daily(values: list[float] | np.ndarray, start: str = "2026-01-05") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D"), dtype=float)


def test_seasonal_naive_repeats_the_last_week() -> None:
    history = np.arange(1, 11, dtype=float)  # 1..10: the last week is 4..10
    assert seasonal_naive(history, 9).tolist() == [4, 5, 6, 7, 8, 9, 10, 4, 5]
    assert seasonal_naive(history, 3, season=2).tolist() == [9, 10, 9]
    with pytest.raises(ValueError, match="at least 7"):
        seasonal_naive(np.ones(6), 3)


def test_mase_by_hand() -> None:
    train = np.array([1, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 8], dtype=float)
    # One-step seasonal differences: 1,1,1,1,1,1,1 -> scale 1.0
    assert in_sample_scale(train) == pytest.approx(1.0)
    actual = np.array([3.0, 4.0, 5.0])
    forecast = np.array([2.0, 4.0, 7.0])  # errors 1, 0, 2 -> MAE 1.0
    assert mase(actual, forecast, train) == pytest.approx(1.0)
    assert mase(actual, forecast, train * 2) == pytest.approx(0.5)  # scale 2
    with pytest.raises(ValueError, match="differ in length"):
        mase(actual, forecast[:2], train)
    flat = np.full(14, 5.0)
    assert mase(actual, actual, flat) == 0.0
    assert math.isinf(mase(actual, forecast, flat))


def test_relative_mae_and_words() -> None:
    assert relative_mae(1.0, 2.0) == 0.5
    assert relative_mae(0.0, 0.0) == 1.0 and math.isinf(relative_mae(0.1, 0.0))
    assert verdict(0.5).startswith("Beats seasonal naive (MASE 0.50)")
    assert verdict(1.0).startswith("Does not beat seasonal naive (MASE 1.00)")
    assert verdict(None, "too short") == "Not evaluated: too short"


def test_origins_roll_back_from_the_end_and_respect_the_minimum_training_length() -> None:
    assert origins(100, 30, 3, 10, 28) == [50, 60, 70]
    assert origins(70, 30, 3, 10, 28) == [30, 40]
    assert origins(50, 30, 3, 10, 28) == []


def test_the_model_only_sees_data_up_to_each_origin() -> None:
    y = daily(np.arange(100, dtype=float))
    seen: list[tuple[int, pd.Timestamp]] = []

    def predict(train: pd.Series, steps: int) -> np.ndarray:
        seen.append((len(train), train.index[-1]))
        return np.full(steps, train.iloc[-1])

    result = backtest(y, 30, predict, folds=3, step=10)
    assert [n for n, _ in seen] == [50, 60, 70]
    assert [f.origin for f in result.folds] == [d.date().isoformat() for _, d in seen]
    assert [f.train_points for f in result.folds] == [50, 60, 70]


def test_a_perfect_model_scores_zero_and_naive_itself_scores_one() -> None:
    rng = np.random.default_rng(3)
    values = 50 + 10 * np.sin(np.arange(140) * 2 * np.pi / 7) + rng.normal(0, 2, 140) + np.arange(140) * 0.2
    y = daily(values)

    def oracle(train: pd.Series, steps: int) -> np.ndarray:
        start = len(train)
        return values[start : start + steps]

    perfect = backtest(y, 30, oracle)
    assert perfect.mase == 0.0 and perfect.beats_naive is True and perfect.model_mae == 0.0
    assert perfect.naive_mae is not None and perfect.naive_mae > 0

    def naive(train: pd.Series, steps: int) -> np.ndarray:
        return seasonal_naive(train.to_numpy(), steps)

    same = backtest(y, 30, naive)
    assert same.mase == pytest.approx(1.0) and same.beats_naive is False
    assert same.scaled_mase == pytest.approx(same.naive_scaled_mase)


def test_pooled_errors_over_folds_by_hand() -> None:
    # Weekly pattern 0..6 repeated, then the last 14 days shifted up by 7: naive misses by 7 on the shifted
    # days it forecasts, a model that forecasts the shift misses by 0.
    base = np.tile(np.arange(7, dtype=float), 8)  # 56 days
    values = base.copy()
    values[-14:] += 7
    y = daily(values)

    def knows_the_shift(train: pd.Series, steps: int) -> np.ndarray:
        start = len(train)
        return values[start : start + steps]

    result = backtest(y, 7, knows_the_shift, folds=2, step=7)
    # Origins at 42 (forecast days 42..48, shifted) and 49 (days 49..55, shifted; naive sees 42..48 shifted)
    assert [f.train_points for f in result.folds] == [42, 49]
    assert [f.naive_mae for f in result.folds] == [7.0, 0.0]
    assert result.naive_mae == pytest.approx(3.5) and result.mase == 0.0


def test_too_short_a_history_is_not_evaluated_and_says_why() -> None:
    result = backtest(daily(np.ones(40)), 30, lambda t, s: np.ones(s))
    assert result.mase is None and result.beats_naive is None and result.folds == []
    assert "needs at least 58 days" in result.reason and "has 40" in result.reason


def test_shared_cache_reuses_fits_across_horizons() -> None:
    y = daily(np.arange(200, dtype=float))
    calls: list[int] = []

    def predict(train: pd.Series, steps: int) -> np.ndarray:
        calls.append(steps)
        return np.full(90, train.iloc[-1])

    cache: dict[int, np.ndarray] = {}
    backtest(y, 30, predict, folds=2, step=30, cache=cache)
    backtest(y, 90, predict, folds=2, step=30, cache=cache)
    # Horizon 30: origins 140, 170; horizon 90: origins 80, 110 -> four fits, none repeated.
    assert sorted(cache) == [80, 110, 140, 170] and len(calls) == 4
