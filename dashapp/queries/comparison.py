"""Compare's data, shaped for the page: per set its KPIs and churn, score distribution (share of accounts
per 10 points), average score over time and band mix (share of scored accounts per band)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from dashapp.filters import Filters
from dashapp.queries import compare as compare_q
from dashapp.queries import overview as overview_q

BANDS = ("red", "yellow", "green")
SCORE_BUCKETS = [f"{b * 10}-{b * 10 + 10}" for b in range(10)]


@dataclass(frozen=True)
class Comparison:
    names: list[str]
    kpis: list[overview_q.Kpis]
    churns: list[dict[str, Any]]
    distribution: dict[str, tuple[list[str], list[float]]]  # set name -> (buckets, % of accounts)
    trend: dict[str, tuple[list[Any], list[float]]]  # set name -> (days, average score)
    band_mix: dict[str, list[float]]  # band -> % of scored accounts, one per set


def _distribution(rows: list[dict[str, Any]]) -> list[float]:
    buckets = [0.0] * len(SCORE_BUCKETS)
    for r in rows:
        buckets[r["bucket"]] += r["accounts"]
    total = sum(buckets) or 1
    return [100 * b / total for b in buckets]


def _average_by_day(points: list[dict[str, Any]]) -> tuple[list[Any], list[float]]:
    """The account-weighted average score per day over the bands' points."""
    totals: dict[Any, list[float]] = {}
    for p in points:
        day = totals.setdefault(p["day"], [0.0, 0.0])
        day[0] += p["avg_score"] * p["accounts"]
        day[1] += p["accounts"]
    days = sorted(totals)
    return days, [totals[d][0] / max(1, totals[d][1]) for d in days]


def compare_sets(session: Session, sets: list[Filters], period: int | None) -> Comparison:
    """Everything Compare shows for `sets` over the trend window `period` (None: the default window)."""
    names = [f"Set {i + 1}" for i in range(len(sets))]
    windowed = [f.model_copy(update={"period": period}) for f in sets]
    kpis = [overview_q.kpis(session, f) for f in windowed]
    churns = [compare_q.churn(session, f) for f in windowed]
    distribution: dict[str, tuple[list[str], list[float]]] = {}
    trend: dict[str, tuple[list[Any], list[float]]] = {}
    mix: dict[str, list[float]] = {band: [] for band in BANDS}
    for name, f, k in zip(names, windowed, kpis, strict=True):
        distribution[name] = (SCORE_BUCKETS, _distribution(overview_q.score_distribution(session, f)))
        trend[name] = _average_by_day(overview_q.band_trend(session, f))
        scored = sum(k.accounts_by_band.get(b, 0) for b in BANDS) or 1
        for band in BANDS:
            mix[band].append(100 * k.accounts_by_band.get(band, 0) / scored)
    return Comparison(names, kpis, churns, distribution, trend, mix)
