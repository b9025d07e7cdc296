"""Real data: the forecasting code on the Peyton Manning Wikipedia page views (log daily views, 2007-2016,
the series Prophet's own documentation uses), backtested from rolling origins against seasonal naive.

The honest finding, asserted: Prophet beats a repeat of the last week at both horizons there, with a
relative MASE of about 0.49 at 30 days and 0.62 at 90 days (see `python -m benchmarks forecast_real_data`).
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashapp.analytics.forecasting import model, series
from tests.support.shared_data import PEYTON_MANNING, shared_data

FILE = shared_data() / PEYTON_MANNING
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not FILE.exists(), reason=f"{FILE} is not here")]


def test_prophet_beats_seasonal_naive_on_peyton_manning() -> None:
    daily = series.from_frame(pd.read_csv(FILE))
    assert len(daily) == 2_964 and not daily.isna().any()  # 2,905 rows; the 59 missing days interpolated
    fitted = model.fit(daily)
    for horizon in (30, 90):
        bt = fitted.backtests[horizon]
        assert len(bt.folds) == 3
        assert bt.mase is not None and bt.mase < 0.8 and bt.beats_naive
        assert bt.scaled_mase is not None and bt.naive_scaled_mase is not None
        assert bt.scaled_mase < bt.naive_scaled_mase
    # The forecast's band holds its point forecast.
    assert all(p.lower <= p.yhat <= p.upper for p in fitted.horizons[90])
