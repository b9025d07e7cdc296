"""Forecasts of the book, each segment and at-risk/top accounts, each with its own backtest.

- `series`: which series exist (`plan`), their keys, and each one's daily history from stored data;
- `model`: the Prophet fit (30 and 90 days, 80% band) and its rolling-origin backtest;
- `evaluation`: seasonal naive, MASE and the backtest itself (no Prophet: tested on known series);
- `store`: fit one series and store it, skipping series whose input fingerprint has not changed.

Jobs (`jobs.forecasts`) fan the fits out over workers; pages and the API read the stored rows.
"""
