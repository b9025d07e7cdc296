"""Forecast evaluation: seasonal-naive forecasts, MASE, and the rolling-origin backtest.

MASE here is measured against the seasonal-naive *forecast* over the same backtest windows:

    MASE = MAE(model) / MAE(seasonal naive)

both computed on the same rolling origins and the same horizon, so MASE < 1 means the model beat
"repeat the last week" out of sample and MASE >= 1 means it did not. The textbook MASE (Hyndman & Koehler,
scaled by the in-sample one-step seasonal-naive error) is kept beside it as `scaled_mase` for both the model
and the naive forecast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

WEEK = 7


def seasonal_naive(history: np.ndarray, horizon: int, season: int = WEEK) -> np.ndarray:
    """Repeat the last `season` observed values over the horizon (the value a week earlier, for daily data)."""
    values = np.asarray(history, dtype=float)
    if len(values) < season:
        raise ValueError(f"seasonal naive needs at least {season} observations, got {len(values)}")
    last = values[-season:]
    return np.array([last[i % season] for i in range(horizon)], dtype=float)


def in_sample_scale(train: np.ndarray, season: int = WEEK) -> float:
    """Mean absolute error of the one-step seasonal-naive forecast in the training data (MASE's scale)."""
    values = np.asarray(train, dtype=float)
    if len(values) <= season:
        raise ValueError(f"the scale needs more than {season} observations, got {len(values)}")
    return float(np.mean(np.abs(values[season:] - values[:-season])))


def mase(actual: np.ndarray, forecast: np.ndarray, train: np.ndarray, season: int = WEEK) -> float:
    """Textbook MASE: out-of-sample MAE over the in-sample seasonal-naive MAE. inf when the scale is 0."""
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    if actual.shape != forecast.shape:
        raise ValueError(f"actual and forecast differ in length: {actual.shape} vs {forecast.shape}")
    error = float(np.mean(np.abs(actual - forecast)))
    scale = in_sample_scale(train, season)
    if scale == 0:
        return 0.0 if error == 0 else float("inf")
    return error / scale


def relative_mae(model_mae: float, naive_mae: float) -> float:
    """MAE(model) / MAE(naive): 1.0 when both are perfect, inf when only the naive forecast is."""
    if naive_mae == 0:
        return 1.0 if model_mae == 0 else float("inf")
    return model_mae / naive_mae


@dataclass(frozen=True)
class Fold:
    origin: str  # last day of the training window (ISO date)
    train_points: int
    model_mae: float
    naive_mae: float


@dataclass(frozen=True)
class Backtest:
    horizon: int
    folds: list[Fold] = field(default_factory=list)
    # Filled when there were folds; None with `reason` when the history was too short to test this horizon.
    mase: float | None = None
    model_mae: float | None = None
    naive_mae: float | None = None
    scaled_mase: float | None = None
    naive_scaled_mase: float | None = None
    reason: str = ""

    @property
    def beats_naive(self) -> bool | None:
        return None if self.mase is None else self.mase < 1.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["beats_naive"] = self.beats_naive
        return data


def origins(n: int, horizon: int, folds: int, step: int, min_train: int) -> list[int]:
    """Training lengths (oldest first) of the rolling origins: the last ends `horizon` points before the
    end of the series, each earlier one `step` points before it; origins leaving fewer than `min_train`
    training points are dropped."""
    ends = [n - horizon - k * step for k in range(folds)]
    return sorted(e for e in ends if e >= min_train)


def min_history(horizon: int, min_train: int) -> int:
    return min_train + horizon


def backtest(
    y: pd.Series,
    horizon: int,
    predict: Callable[[pd.Series, int], np.ndarray],
    *,
    folds: int = 3,
    step: int | None = None,
    min_train: int = 4 * WEEK,
    season: int = WEEK,
    cache: dict[int, np.ndarray] | None = None,
) -> Backtest:
    """Rolling-origin backtest of `predict(train, steps) -> forecast` on the daily series `y` (DatetimeIndex).

    At each origin the model sees only the points up to it and forecasts `horizon` steps; the seasonal-naive
    forecast from the same origin is scored on the same points. `cache` (training length -> forecast) lets
    several horizons share the fits made at the same origin (a longer forecast serves a shorter horizon).
    """
    values = y.to_numpy(dtype=float)
    step = step or max(WEEK, horizon // 3)
    ends = origins(len(values), horizon, folds, step, max(min_train, season + 1))
    if not ends:
        need = min_history(horizon, max(min_train, season + 1))
        return Backtest(
            horizon=horizon,
            reason=f"needs at least {need} days of history to backtest a {horizon}-day forecast; "
            f"has {len(values)}",
        )
    model_errors: list[np.ndarray] = []
    naive_errors: list[np.ndarray] = []
    scaled_model: list[float] = []
    scaled_naive: list[float] = []
    fold_rows: list[Fold] = []
    for end in ends:
        train, actual = values[:end], values[end : end + horizon]
        cached = cache.get(end) if cache is not None else None
        if cached is None or len(cached) < horizon:
            cached = np.asarray(predict(y.iloc[:end], horizon), dtype=float)
            if cache is not None:
                cache[end] = cached
        forecast = cached[:horizon]
        naive = seasonal_naive(train, horizon, season)
        model_errors.append(np.abs(actual - forecast))
        naive_errors.append(np.abs(actual - naive))
        scaled_model.append(mase(actual, forecast, train, season))
        scaled_naive.append(mase(actual, naive, train, season))
        fold_rows.append(
            Fold(
                origin=pd.Timestamp(y.index[end - 1]).date().isoformat(),
                train_points=end,
                model_mae=float(model_errors[-1].mean()),
                naive_mae=float(naive_errors[-1].mean()),
            )
        )
    model_mae = float(np.concatenate(model_errors).mean())
    naive_mae = float(np.concatenate(naive_errors).mean())
    return Backtest(
        horizon=horizon,
        folds=fold_rows,
        mase=relative_mae(model_mae, naive_mae),
        model_mae=model_mae,
        naive_mae=naive_mae,
        scaled_mase=float(np.mean(scaled_model)),
        naive_scaled_mase=float(np.mean(scaled_naive)),
    )


def verdict(mase_value: float | None, reason: str = "") -> str:
    """Plain words for a backtest result, used by the page, the API and the CLI."""
    if mase_value is None:
        return f"Not evaluated: {reason}" if reason else "Not evaluated"
    if mase_value < 1.0:
        return f"Beats seasonal naive (MASE {mase_value:.2f})"
    return (
        f"Does not beat seasonal naive (MASE {mase_value:.2f}): a repeat of last week did as well or better"
    )
