"""Cohort retention from aggregated rows: logo retention, gross and net revenue retention (GRR, NRR).

Definitions (stated on the Cohorts page too):
- An account's cohort is the calendar month of its start date (contract start by default).
- Month k is the k-th calendar month after the cohort month (month 0 is the start month).
- Logo retention at k: share of the cohort's accounts not churned by month k (an account that churned in
  month c counts as retained for k < c).
- MRR of an account in a month: the net amount (amount minus refunds) of its paid or refunded invoices issued
  that month. Churned accounts have no invoices after churn, so their MRR falls to 0.
- GRR at k: sum over the cohort of min(MRR_k, MRR_0) / sum of MRR_0 (expansion is not counted, 100% at most).
- NRR at k: sum of MRR_k / sum of MRR_0 (expansion counts, may exceed 100%).
Only months that have fully elapsed for the cohort are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class CohortTables:
    """Matrices indexed by (split, cohort label) with columns 0..max months; values in percent."""

    logos: pd.DataFrame
    grr: pd.DataFrame
    nrr: pd.DataFrame
    sizes: pd.Series


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def cohort_tables(
    sizes: Iterable[Mapping[str, Any]],
    churns: Iterable[Mapping[str, Any]],
    revenue: Iterable[Mapping[str, Any]],
    *,
    today: date,
    max_months: int = 24,
) -> CohortTables:
    """sizes: split, cohort (date), accounts, mrr0; churns: split, cohort, month (k of churn), accounts;
    revenue: split, cohort, month (k), revenue, kept (sum of min(MRR_k, MRR_0))."""
    size_df = pd.DataFrame(list(sizes), columns=["split", "cohort", "accounts", "mrr0"])
    if size_df.empty:
        empty = pd.DataFrame()
        return CohortTables(empty, empty, empty, pd.Series(dtype=float))
    size_df["label"] = [f"{c:%Y-%m}" for c in size_df["cohort"]]
    size_df["elapsed"] = [min(months_between(c, today), max_months) for c in size_df["cohort"]]
    index = pd.MultiIndex.from_frame(size_df[["split", "label"]])
    months = list(range(max_months + 1))
    logos = pd.DataFrame(index=index, columns=months, dtype=float)
    grr = logos.copy()
    nrr = logos.copy()
    churn_df = pd.DataFrame(list(churns), columns=["split", "cohort", "month", "accounts"])
    rev_df = pd.DataFrame(list(revenue), columns=["split", "cohort", "month", "revenue", "kept"])
    for row in size_df.itertuples():
        key = (row.split, row.label)
        lost = churn_df[(churn_df["split"] == row.split) & (churn_df["cohort"] == row.cohort)]
        rev = rev_df[(rev_df["split"] == row.split) & (rev_df["cohort"] == row.cohort)].set_index("month")
        for k in range(row.elapsed + 1):
            churned = lost.loc[lost["month"] <= k, "accounts"].sum()
            logos.loc[key, k] = 100.0 * (row.accounts - churned) / row.accounts if row.accounts else None
            if row.mrr0 and float(row.mrr0) > 0:
                revenue_k = float(rev["revenue"].get(k, 0) or 0)
                kept_k = float(rev["kept"].get(k, 0) or 0)
                nrr.loc[key, k] = 100.0 * revenue_k / float(row.mrr0)
                grr.loc[key, k] = 100.0 * kept_k / float(row.mrr0)
    trim = [m for m in months if logos[m].notna().any()]
    sizes_series = pd.Series(size_df["accounts"].to_numpy(), index=index)
    return CohortTables(logos[trim], grr[trim], nrr[trim], sizes_series)


def weighted_curve(matrix: pd.DataFrame, sizes: pd.Series) -> dict[Any, list[float | None]]:
    """Per split: the size-weighted average across cohorts for each month (cohorts without month k skipped)."""
    out: dict[Any, list[float | None]] = {}
    if matrix.empty:
        return out
    for split in matrix.index.get_level_values(0).unique():
        part = matrix.xs(split, level=0)
        weights = sizes.xs(split, level=0).astype(float)
        values: list[float | None] = []
        for k in matrix.columns:
            col = part[k]
            mask = col.notna()
            values.append(
                float((col[mask] * weights[mask]).sum() / weights[mask].sum()) if mask.any() else None
            )
        out[split] = values
    return out
