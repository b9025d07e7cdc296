"""Real data: the forecasting code's rolling-origin backtest on the Peyton Manning Wikipedia page views
(log daily views, Dec 2007 to Jan 2016; the series Prophet's own documentation uses), against seasonal naive.

    python -m benchmarks forecast_real_data
    healthdash forecasts evaluate ../shared/data/example_wp_log_peyton_manning.csv   (the same, as a command)

Reports, per horizon (30 and 90 days): MASE against the seasonal-naive forecast over the same origins
(MAE ratio; below 1 beats naive), the textbook MASE of the model and of seasonal naive, and the fit time.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import pandas as pd

from benchmarks import figure, ratio
from dashapp.analytics.forecasting import model, series
from tests.support.shared_data import PEYTON_MANNING, shared_data


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.forecast_real_data")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="(the same: one series)")
    args = parser.parse_args(argv or [])
    path = shared_data() / PEYTON_MANNING
    if not path.exists():
        raise FileNotFoundError(f"{path} is not here (set HEALTHDASH_SHARED_DATA)")
    frame = pd.read_csv(path)
    daily = series.from_frame(frame)
    started = time.perf_counter()
    fitted = model.fit(daily, folds=args.folds)
    seconds = time.perf_counter() - started
    figures: dict[str, Any] = {
        "days": figure(
            len(daily), "", f"{len(frame):,} rows, {len(daily) - len(frame)} missing days interpolated"
        ),
    }
    for horizon, bt in sorted(fitted.backtests.items()):
        figures[f"MASE vs seasonal naive, {horizon} d"] = figure(
            round(bt.mase or 0, 3),
            "",
            ("beats naive" if bt.beats_naive else "does not beat naive") + f"; {len(bt.folds)} origins",
        )
        figures[f"MAE forecast / naive, {horizon} d"] = figure(f"{bt.model_mae:.4f} / {bt.naive_mae:.4f}")
        figures[f"textbook MASE model / naive, {horizon} d"] = ratio(
            bt.scaled_mase or 0,
            bt.naive_scaled_mase or 0,
            f"{bt.scaled_mase:.3f} vs {bt.naive_scaled_mase:.3f}",
        )
    figures["fit + backtest time"] = figure(round(seconds, 2), "s", f"{fitted.fits} Prophet fits")
    figures["per Prophet fit"] = figure(round(1000 * seconds / fitted.fits), "ms")
    return figures


if __name__ == "__main__":
    from benchmarks.__main__ import table

    t = time.perf_counter()
    print(table("forecast_real_data", time.perf_counter() - t, run(sys.argv[1:])))
