"""Revenue impact of health: what share of ARR churned, contracted or expanded in the days after an as-of date,
for each health band and each score decile on that date.

Plain functions over a DataFrame with one row per account scored on the as-of date:

    account_id, score, band      the stored health snapshot of that day
    arr_start                    ARR on the as-of date (0 or missing: the account is left out, counted)
    arr_end                      ARR at the end of the horizon (missing: unknown, left out unless churned)
    churned                      churned within the horizon

Outcomes (one per account): churned (all of its starting ARR lost), else contracted (ARR end < start),
expanded (end > start) or flat. Shares of ARR divide the ARR churned / contracted away / expanded by the
group's starting ARR. Intervals (95% by default):
- share of accounts: Wilson score interval;
- share of ARR: percentile bootstrap, resampling the group's accounts with replacement (`draws` resamples,
  seeded, so the same data give the same bounds) for groups of up to `BOOTSTRAP_MAX_ACCOUNTS` accounts;
  for larger groups, where resampling costs seconds and the ratio is close to normal, the linearised
  (delta-method) standard error of a ratio of sums, sum((y - R x)^2) / (n (n - 1)) / mean(x)^2, gives a
  normal interval clipped to [0, 1]. Each group says which it used (`arr_interval`).
Deciles rank accounts by score on the as-of date: decile 1 holds the lowest scores.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

HORIZON_DAYS = 90
OUTCOMES = ("churned", "contracted", "expanded")
BANDS = ("red", "yellow", "green")
BOOTSTRAP = 1000
BOOTSTRAP_MAX_ACCOUNTS = 2000
_CHUNK_CELLS = 5_000_000  # bootstrap weights held in memory at a time (draws x accounts)


def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion; (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    if successes <= 0:
        return 0.0, _wilson(successes, n, level)[1]
    if successes >= n:
        return _wilson(successes, n, level)[0], 1.0
    return _wilson(successes, n, level)


def _wilson(successes: int, n: int, level: float) -> tuple[float, float]:
    z = _z(level)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def bootstrap_ratios(
    numerators: np.ndarray, denominator: np.ndarray, draws: int, seed: int, level: float = 0.95
) -> list[tuple[float, float]]:
    """Percentile bootstrap intervals of sum(numerators[i]) / sum(denominator) for each row i, from the
    same resamples of the accounts (drawn with replacement)."""
    numerators = np.atleast_2d(np.asarray(numerators, dtype=float))
    n = numerators.shape[1]
    if n == 0 or draws <= 0:
        return [(math.nan, math.nan)] * len(numerators)
    rng = np.random.default_rng(seed)
    stacked = np.vstack([numerators, np.asarray(denominator, dtype=float)])
    per_chunk = max(1, _CHUNK_CELLS // n)
    sums = []
    for done in range(0, draws, per_chunk):
        idx = rng.integers(0, n, (min(per_chunk, draws - done), n))
        sums.append(stacked[:, idx].sum(axis=2))
    totals = np.concatenate(sums, axis=1)
    den = totals[-1]
    ratios = np.divide(totals[:-1], den, out=np.zeros_like(totals[:-1]), where=den > 0)
    tail = (1 - level) / 2 * 100
    bounds = np.percentile(ratios, [tail, 100 - tail], axis=1)
    return [(float(lo), float(hi)) for lo, hi in bounds.T]


def delta_ratios(
    numerators: np.ndarray, denominator: np.ndarray, level: float = 0.95
) -> list[tuple[float, float]]:
    """Normal intervals of sum(numerators[i]) / sum(denominator) from the linearised standard error."""
    numerators = np.atleast_2d(np.asarray(numerators, dtype=float))
    x = np.asarray(denominator, dtype=float)
    n = len(x)
    if n < 2 or x.sum() <= 0:
        return [(math.nan, math.nan)] * len(numerators)
    z = _z(level)
    out = []
    for y in numerators:
        ratio = y.sum() / x.sum()
        se = math.sqrt(float(((y - ratio * x) ** 2).sum()) / (n * (n - 1))) / float(x.mean())
        out.append((max(0.0, ratio - z * se), min(1.0, ratio + z * se)))
    return out


def bootstrap_ratio(
    numerator: np.ndarray, denominator: np.ndarray, draws: int, seed: int, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of sum(numerator) / sum(denominator), resampling rows."""
    return bootstrap_ratios(np.asarray(numerator)[None, :], denominator, draws, seed, level)[0]


@dataclass(frozen=True)
class Share:
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class GroupImpact:
    kind: str  # "band", "decile" or "book"
    group: str  # red / yellow / green, "1".."10", or "all"
    label: str
    accounts: int  # accounts with a starting ARR and a known outcome
    arr_start: float
    counts: dict[str, int]  # churned, contracted, expanded, flat
    arr: dict[str, float]  # ARR churned, contracted away, expanded
    account_share: dict[str, Share]
    arr_share: dict[str, Share]
    score_min: float | None = None
    score_max: float | None = None
    arr_interval: str = "bootstrap"  # how the ARR-share intervals were made: "bootstrap" or "delta"


@dataclass(frozen=True)
class RevenueImpact:
    horizon_days: int
    book: GroupImpact
    bands: list[GroupImpact]
    deciles: list[GroupImpact]
    scored: int  # accounts with a snapshot on the as-of date
    excluded: dict[str, int] = field(default_factory=dict)  # reason -> accounts left out
    level: float = 0.95
    draws: int = BOOTSTRAP

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def classify(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Each usable account's outcome and ARR change; and how many were left out, by reason."""
    start = pd.to_numeric(frame["arr_start"], errors="coerce").astype(float)
    end = pd.to_numeric(frame["arr_end"], errors="coerce").astype(float)
    churned = frame["churned"].fillna(False).astype(bool)
    no_start = ~(start > 0)
    unknown = ~no_start & ~churned & end.isna()
    keep = ~no_start & ~unknown
    out = frame.loc[keep, ["account_id", "score", "band"]].copy()
    s, e, c = start[keep], end[keep], churned[keep]
    out["arr_start"] = s
    out["outcome"] = np.select([c, e < s, e > s], ["churned", "contracted", "expanded"], "flat")
    out["churned_arr"] = np.where(c, s, 0.0)
    out["contracted_arr"] = np.where(~c & (e < s), s - e, 0.0)
    out["expanded_arr"] = np.where(~c & (e > s), e - s, 0.0)
    return out, {"no starting ARR": int(no_start.sum()), "no billing at the end": int(unknown.sum())}


def _group(
    rows: pd.DataFrame, kind: str, group: str, label: str, draws: int, seed: int, level: float
) -> GroupImpact:
    n = len(rows)
    start = rows["arr_start"].to_numpy(float)
    total = float(start.sum())
    counts = {o: int((rows["outcome"] == o).sum()) for o in (*OUTCOMES, "flat")}
    arr = {o: float(rows[f"{o}_arr"].sum()) for o in OUTCOMES}
    account_share = {
        o: Share(counts[o] / n if n else math.nan, *wilson(counts[o], n, level)) for o in OUTCOMES
    }
    numerators = np.vstack([rows[f"{o}_arr"].to_numpy(float) for o in OUTCOMES])
    resample = n <= BOOTSTRAP_MAX_ACCOUNTS
    if resample:
        bounds = bootstrap_ratios(numerators, start, draws, seed, level)
    else:
        bounds = delta_ratios(numerators, start, level)
    arr_share = {
        o: Share(arr[o] / total if total > 0 else math.nan, *bounds[i]) for i, o in enumerate(OUTCOMES)
    }
    scores = rows["score"].astype(float)
    return GroupImpact(
        kind=kind,
        group=group,
        label=label,
        accounts=n,
        arr_start=total,
        counts=counts,
        arr=arr,
        account_share=account_share,
        arr_share=arr_share,
        score_min=float(scores.min()) if n else None,
        score_max=float(scores.max()) if n else None,
        arr_interval="bootstrap" if resample else "delta",
    )


def deciles(scores: pd.Series) -> pd.Series:
    """Decile 1..10 of each score (1 = lowest); ties broken by order so deciles are equal-sized."""
    n = len(scores)
    if n == 0:
        return pd.Series([], dtype=int, index=scores.index)
    ranks = scores.rank(method="first").to_numpy()
    return pd.Series(np.ceil(ranks * 10 / n).astype(int), index=scores.index)


def revenue_impact(
    frame: pd.DataFrame,
    *,
    horizon_days: int = HORIZON_DAYS,
    draws: int = BOOTSTRAP,
    seed: int = 0,
    level: float = 0.95,
) -> RevenueImpact:
    """Shares of ARR and of accounts that churned, contracted or expanded, per band and per score decile."""
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    scored = len(frame)
    frame = frame.copy()
    frame["decile"] = deciles(frame["score"].astype(float)) if scored else pd.Series(dtype=int)
    rows, excluded = classify(frame)
    rows["decile"] = frame.loc[rows.index, "decile"]
    bands = [
        _group(rows[rows["band"] == band], "band", band, band.capitalize(), draws, seed, level)
        for band in [*BANDS, *sorted(set(rows["band"]) - set(BANDS))]
        if (rows["band"] == band).any()
    ]
    decile_groups = []
    for d in sorted(rows["decile"].unique()):
        part = rows[rows["decile"] == d]
        decile_groups.append(_group(part, "decile", str(int(d)), f"D{int(d)}", draws, seed, level))
    return RevenueImpact(
        horizon_days=horizon_days,
        book=_group(rows, "book", "all", "Whole book", draws, seed, level),
        bands=bands,
        deciles=decile_groups,
        scored=scored,
        excluded=excluded,
        level=level,
        draws=draws,
    )
