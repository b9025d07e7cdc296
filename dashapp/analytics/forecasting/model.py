"""Prophet fits: one daily series in, a forecast with its uncertainty band and its backtest out.

Prophet 1.5 ships CmdStan in its wheel, so fitting works offline. Its `cmdstanpy` logger prints a line per
fit; it is silenced once, when the first fit runs.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dashapp.analytics.forecasting.evaluation import WEEK, Backtest, backtest

HORIZONS = (30, 90)
MIN_POINTS = 4 * WEEK  # fewer days than this: no forecast at all
INTERVAL_WIDTH = 0.8
UNCERTAINTY_SAMPLES = 300
# Changing anything that changes the fitted result changes this, so every series refits once.
CONFIG_VERSION = f"prophet-1;h={','.join(map(str, HORIZONS))};w={INTERVAL_WIDTH};folds=3"


def quiet() -> None:
    for name in ("cmdstanpy", "prophet", "prophet.plot"):
        logging.getLogger(name).disabled = True


def preload() -> None:
    """Import Prophet (and its Stan backend) now. A forking worker calls this once before it forks a
    process per job, so each fit does not pay the import again (seconds on a busy machine)."""
    quiet()
    import prophet  # noqa: F401
    from prophet.models import StanBackendEnum  # noqa: F401


@dataclass(frozen=True)
class Point:
    ds: str
    yhat: float
    lower: float
    upper: float


@dataclass
class Fitted:
    horizons: dict[int, list[Point]] = field(default_factory=dict)
    backtests: dict[int, Backtest] = field(default_factory=dict)
    fits: int = 0  # Prophet fits made (the final one and one per backtest origin)
    seconds: float = 0.0


@contextmanager
def _prophet_warnings() -> Iterator[None]:
    """Prophet 1.5 still uses pandas idioms that pandas 3 deprecates; those warnings are Prophet's own."""
    with warnings.catch_warnings():
        for category in (FutureWarning, DeprecationWarning, PendingDeprecationWarning):
            warnings.filterwarnings("ignore", category=category)
        yield


def _prophet(series: pd.Series, samples: int) -> Any:
    quiet()
    from prophet import Prophet

    span = (series.index[-1] - series.index[0]).days
    model = Prophet(
        interval_width=INTERVAL_WIDTH,
        uncertainty_samples=samples,
        weekly_seasonality=True,
        daily_seasonality=False,
        # A yearly cycle needs two years to be told apart from the trend.
        yearly_seasonality=span >= 730,
    )
    frame = pd.DataFrame({"ds": series.index, "y": series.to_numpy(dtype=float)})
    with _prophet_warnings():
        model.fit(frame)
    return model


def _future(series: pd.Series, steps: int) -> pd.DataFrame:
    start = series.index[-1] + pd.Timedelta(days=1)
    return pd.DataFrame({"ds": pd.date_range(start, periods=steps, freq="D")})


def predict_mean(series: pd.Series, steps: int) -> np.ndarray:
    """Point forecast only (no sampling): what the backtest needs."""
    model = _prophet(series, samples=0)
    with _prophet_warnings():
        return model.predict(_future(series, steps))["yhat"].to_numpy(dtype=float)


def clip(values: np.ndarray, bounds: tuple[float | None, float | None]) -> np.ndarray:
    low, high = bounds
    return np.clip(values, low if low is not None else -np.inf, high if high is not None else np.inf)


def fit(
    series: pd.Series,
    horizons: tuple[int, ...] = HORIZONS,
    *,
    bounds: tuple[float | None, float | None] = (None, None),
    folds: int = 3,
) -> Fitted:
    """Fit `series` (daily, DatetimeIndex, no gaps), forecast each horizon with an 80% band, and backtest
    each horizon from rolling origins. Backtest fits made at the same origin serve every horizon."""
    if len(series) < MIN_POINTS:
        raise ValueError(f"a forecast needs at least {MIN_POINTS} days of history, got {len(series)}")
    started = time.perf_counter()
    fits = 0

    def counted(train: pd.Series, steps: int) -> np.ndarray:
        nonlocal fits
        fits += 1
        return clip(predict_mean(train, max(steps, max(horizons))), bounds)

    cache: dict[int, np.ndarray] = {}
    result = Fitted()
    for horizon in sorted(horizons):
        result.backtests[horizon] = backtest(series, horizon, counted, folds=folds, cache=cache)
    model = _prophet(series, samples=UNCERTAINTY_SAMPLES)
    fits += 1
    with _prophet_warnings():
        frame = model.predict(_future(series, max(horizons)))
    yhat = clip(frame["yhat"].to_numpy(dtype=float), bounds)
    lower = clip(frame["yhat_lower"].to_numpy(dtype=float), bounds)
    upper = clip(frame["yhat_upper"].to_numpy(dtype=float), bounds)
    days = [d.date().isoformat() for d in frame["ds"]]
    for horizon in horizons:
        result.horizons[horizon] = [
            Point(days[i], float(yhat[i]), float(lower[i]), float(upper[i])) for i in range(horizon)
        ]
    result.fits = fits
    result.seconds = time.perf_counter() - started
    return result
