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

import numpy as np
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
    index = pd.MultiIndex.from_frame(size_df[["split", "label"]])
    months = list(range(max_months + 1))
    width = len(months)
    row_of = {
        (split, cohort): i
        for i, (split, cohort) in enumerate(zip(size_df["split"], size_df["cohort"], strict=True))
    }
    # One pass over the churn and revenue rows into arrays (cohort x month); filling a DataFrame cell by
    # cell took over a second for a few hundred accounts.
    lost = np.zeros((len(size_df), width))
    revenue_k = np.zeros((len(size_df), width))
    kept_k = np.zeros((len(size_df), width))
    for r in churns:
        i = row_of.get((r["split"], r["cohort"]))
        if i is not None and int(r["month"]) < width:
            lost[i, max(int(r["month"]), 0)] += float(r["accounts"] or 0)  # churned by month k counts from k
    for r in revenue:
        i = row_of.get((r["split"], r["cohort"]))
        if i is not None and 0 <= int(r["month"]) < width:
            revenue_k[i, int(r["month"])] += float(r["revenue"] or 0)
            kept_k[i, int(r["month"])] += float(r["kept"] or 0)
    elapsed = np.array([min(months_between(c, today), max_months) for c in size_df["cohort"]])
    shown = np.arange(width)[None, :] <= elapsed[:, None]  # only months that have elapsed for the cohort
    accounts = size_df["accounts"].astype(float).to_numpy()[:, None]
    mrr0 = np.array([float(m or 0) for m in size_df["mrr0"]])[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        logo_values = np.where(
            shown & (accounts > 0), 100.0 * (accounts - lost.cumsum(axis=1)) / accounts, np.nan
        )
        paying = shown & (mrr0 > 0)
        nrr_values = np.where(paying, 100.0 * revenue_k / mrr0, np.nan)
        grr_values = np.where(paying, 100.0 * kept_k / mrr0, np.nan)
    logos = pd.DataFrame(logo_values, index=index, columns=months)
    grr = pd.DataFrame(grr_values, index=index, columns=months)
    nrr = pd.DataFrame(nrr_values, index=index, columns=months)
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
