"""Turn raw measure values into 0-100 scores, vectorised over all accounts. NaN (missing) stays NaN."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashapp.scoring.definition import Linear, Measure, Percentile, Thresholds, Trend


def thresholds(values: np.ndarray, breaks: list[float], scores: list[float]) -> np.ndarray:
    """`scores[i]` for values in [breaks[i-1], breaks[i]); below the first break `scores[0]`."""
    values = np.asarray(values, dtype=float)
    idx = np.searchsorted(np.asarray(breaks, dtype=float), values, side="right")
    out = np.asarray(scores, dtype=float)[np.clip(idx, 0, len(scores) - 1)]
    out[np.isnan(values)] = np.nan
    return out


def linear(values: np.ndarray, low: float, high: float, *, higher_is_better: bool = True) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    scaled = np.clip((values - low) / (high - low), 0.0, 1.0) * 100.0
    return scaled if higher_is_better else 100.0 - scaled


def percent_change(current: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Change of `current` against `previous` in percent. From zero to zero is no change; from zero to
    something is +100% (a start, not an infinite rise). NaN where either side is missing."""
    current = np.asarray(current, dtype=float)
    previous = np.asarray(previous, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (current - previous) / np.abs(previous) * 100.0
    change = np.where(previous == 0, np.where(current == 0, 0.0, 100.0), change)
    change[np.isnan(current) | np.isnan(previous)] = np.nan
    return change


def percentile_rank(
    values: np.ndarray,
    peer_groups: np.ndarray | None = None,
    *,
    min_peers: int = 5,
    higher_is_better: bool = True,
) -> np.ndarray:
    """Mid-rank percentile (0-100) of each value among its peers (ties share their average rank).

    With `peer_groups`, accounts rank within their group; a group with fewer than `min_peers` values ranks
    against everyone instead. Missing values neither get a rank nor count as peers.
    """
    series = pd.Series(np.asarray(values, dtype=float))
    overall = _mid_rank(series, series.notna().sum())
    if peer_groups is None:
        ranked = overall
    else:
        groups = pd.Series(np.asarray(peer_groups, dtype=object)).fillna("")
        sizes = series.notna().groupby(groups).transform("sum")
        within = series.groupby(groups).rank(method="average") - 0.5
        within = within / sizes * 100.0
        ranked = within.where(sizes >= min_peers, overall)
    out = ranked.to_numpy(dtype=float, copy=True)
    out[series.isna().to_numpy()] = np.nan
    return out if higher_is_better else 100.0 - out


def _mid_rank(series: pd.Series, count: int) -> pd.Series:
    if count == 0:
        return pd.Series(np.nan, index=series.index)
    return (series.rank(method="average") - 0.5) / count * 100.0


def normalise(
    measure: Measure,
    raw: np.ndarray,
    *,
    segments: np.ndarray | None = None,
) -> np.ndarray:
    """The 0-100 score of `measure` for each raw value (for a trend, `raw` is already the percent change)."""
    norm = measure.normalisation
    higher = measure.direction == "higher_is_better"
    if isinstance(norm, Thresholds):
        return thresholds(raw, norm.breaks, norm.scores)
    if isinstance(norm, Linear | Trend):
        return linear(raw, norm.low, norm.high, higher_is_better=higher)
    if isinstance(norm, Percentile):
        groups = segments if norm.within == "segment" else None
        return percentile_rank(raw, groups, min_peers=norm.min_peers, higher_is_better=higher)
    raise TypeError(f"unknown normalisation {type(norm).__name__}")
