"""Health scoring: scorecards, normalisation, weights, bands, contributions, explanations, overrides,
roll-ups, recompute and backtest.

Pure parts (`definition`, `metrics`, `normalise`, `compute`, `explain`, `rollup`, `backtest`) work on
numpy arrays and DataFrames. `loader`, `history` and `writer` are the set-based SQL around them, `engine`
runs a recompute, and `service` holds the small functions pages, the API and the CLI call.
"""
