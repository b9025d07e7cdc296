"""Fit one series and store the result, skipping the fit when its input has not changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import pandas as pd
from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from dashapp.analytics.forecasting import model
from dashapp.analytics.forecasting.evaluation import verdict
from dashapp.analytics.forecasting.series import BOUNDS, SeriesKey, fingerprint, load
from models.account import Account
from models.forecast import ForecastResult, ForecastSeries


@dataclass(frozen=True)
class Outcome:
    key: str
    status: str  # fitted | unchanged | insufficient_history | no_account
    fits: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "status": self.status, "fits": self.fits, "seconds": round(self.seconds, 3)}


def _history(series: pd.Series) -> dict[str, list]:
    return {"ds": [d.isoformat() for d in series.index.date], "y": [float(v) for v in series.to_numpy()]}


def _row(session: Session, key: SeriesKey, label: str) -> ForecastSeries:
    row = session.scalar(select(ForecastSeries).where(ForecastSeries.key == key.key).with_for_update())
    if row is None:
        row = ForecastSeries(
            key=key.key,
            scope=key.scope,
            scope_value=key.value,
            metric=key.metric,
            account_id=key.account_id,
            label=label,
            status="new",
            fingerprint="",
        )
        session.add(row)
    row.label = label
    return row


def fit_and_store(
    session: Session,
    key: SeriesKey,
    *,
    force: bool = False,
    end: date | None = None,
    series: pd.Series | None = None,
) -> Outcome:
    """Load `key`'s history (or take `series`), and refit only if its fingerprint differs from the stored
    one (or `force`). Writes the series row and one result row per horizon in the caller's transaction."""
    name = None
    if key.scope == "account":
        name = session.scalar(select(Account.name).where(Account.id == int(key.value)))
        if name is None:
            return Outcome(key.key, "no_account")
    if series is None:
        series = load(session, key, end=end)
    digest = fingerprint(series, model.CONFIG_VERSION)
    row = _row(session, key, key.label(name))
    now = datetime.now(UTC)
    row.checked_at = now
    if not force and row.fingerprint == digest and row.status in ("fitted", "insufficient_history"):
        return Outcome(key.key, "unchanged")
    row.fingerprint = digest
    row.history = _history(series)
    row.points = len(series)
    row.history_start = series.index[0].date() if len(series) else None
    row.history_end = series.index[-1].date() if len(series) else None
    row.fitted_at = now
    if row.id is not None:
        session.execute(delete(ForecastResult).where(ForecastResult.series_id == row.id))
    if len(series) < model.MIN_POINTS:
        row.status = "insufficient_history"
        row.message = f"needs at least {model.MIN_POINTS} days of history to forecast; has {len(series)}"
        row.fits, row.fit_seconds = 0, 0.0
        session.flush()
        return Outcome(key.key, row.status)
    fitted = model.fit(series, bounds=BOUNDS[key.metric])
    row.status, row.message = "fitted", ""
    row.fits, row.fit_seconds = fitted.fits, fitted.seconds
    session.flush()
    for horizon, points in fitted.horizons.items():
        bt = fitted.backtests[horizon]
        session.add(
            ForecastResult(
                series_id=row.id,
                horizon=horizon,
                points=[p.__dict__ for p in points],
                mase=bt.mase,
                beats_naive=bt.beats_naive,
                model_mae=bt.model_mae,
                naive_mae=bt.naive_mae,
                scaled_mase=bt.scaled_mase,
                naive_scaled_mase=bt.naive_scaled_mase,
                folds=[f.__dict__ for f in bt.folds],
                evaluation_note=verdict(bt.mase, bt.reason),
            )
        )
    session.flush()
    return Outcome(key.key, "fitted", fitted.fits, fitted.seconds)


def prune(session: Session, keep: list[str]) -> int:
    """Drop stored series no longer planned (an account left the at-risk/top list, a segment is gone)."""
    result = cast(
        CursorResult[Any], session.execute(delete(ForecastSeries).where(ForecastSeries.key.not_in(keep)))
    )
    return int(result.rowcount or 0)
