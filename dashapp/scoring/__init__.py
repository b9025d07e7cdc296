"""Health scoring: scorecards, normalisation, weights, bands, contributions, explanations, overrides,
roll-ups, recompute and backtest.

Pure parts work on numpy arrays and DataFrames: `definition` (validated scorecard types), `metrics` (what a
measure may read), `inputs`, `normalise`, `compute` (weights, contributions, rounding, bands), `rollup`,
`explain`, `assignment` (which scorecard scores which account), `backtest`, `defaults`.

Around them, set-based SQL: `loader` and `families` (one query per kind of data for all accounts),
`history` (earlier snapshots), `changes` (what an incremental run must rescore), `overrides`, `writer`
(bulk, atomic per day) and `store` (scorecards in the database). `engine` runs a recompute.

Pages, the API and the CLI call `service` (recompute one account now, overrides, backtest, preview) and
`dashapp.queries.health` (read); `jobs.scores` queues the long ones.
"""
