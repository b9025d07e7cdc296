"""Activity cohorts: accounts grouped by the month of their first activity (first purchase or first event),
and retention as "active in month k" (any purchase or event in the k-th calendar month after the cohort
month; month 0 is 100% by definition).

This is the retention a purchase business can check: "not churned" is 100% every month for a shop, whose
customers never cancel, they just stop buying. The window follows the data, not today's date: the last
month shown is the last complete month of activity in the book, and a month the data only partly covers
(the current one, or the month a historical file ends in) is left out rather than shown as a drop.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class ActivityCohorts:
    """`retention`: percent active, indexed by (split, cohort "YYYY-MM"), columns 0..k; `sizes`: accounts
    per cohort (same index); `last_month`: the last complete month counted (None with no data)."""

    retention: pd.DataFrame
    sizes: pd.Series
    last_month: date | None


def last_complete_month(last_day: date) -> date:
    """The first day of the last month fully covered by data ending on `last_day`."""
    month = last_day.replace(day=1)
    if last_day.day == calendar.monthrange(last_day.year, last_day.month)[1]:
        return month
    return (month - pd.DateOffset(months=1)).date()


def _month_index(month: pd.Series) -> pd.Series:
    month = pd.to_datetime(month)
    return month.dt.year * 12 + month.dt.month - 1


def activity_cohorts(active: pd.DataFrame, last_day: date | None, *, max_months: int = 36) -> ActivityCohorts:
    """`active`: one row per (account_id, month) with any activity, and its `split` ("All" if no split).
    `last_day`: the last day the data covers."""
    empty = ActivityCohorts(pd.DataFrame(), pd.Series(dtype=int), None)
    if active.empty or last_day is None:
        return empty
    last = last_complete_month(last_day)
    frame = active.assign(m=_month_index(active["month"]))
    frame = frame[frame["m"] <= last.year * 12 + last.month - 1]
    if frame.empty:
        return ActivityCohorts(pd.DataFrame(), pd.Series(dtype=int), last)
    first = frame.groupby("account_id")["m"].min().rename("c")
    frame = frame.join(first, on="account_id")
    frame["k"] = frame["m"] - frame["c"]
    frame = frame[frame["k"] <= max_months]
    split = frame.groupby("account_id")["split"].first()
    cohort_of = pd.DataFrame({"c": first, "split": split})
    sizes = cohort_of.groupby(["split", "c"]).size()
    counts = frame.drop_duplicates(["account_id", "k"]).groupby(["split", "c", "k"]).size()
    table = (counts.unstack("k").reindex(sizes.index).fillna(0).div(sizes, axis=0) * 100.0).astype(float)
    last_index = last.year * 12 + last.month - 1
    for split_c in table.index:
        elapsed = last_index - split_c[1]
        table.loc[split_c, [k for k in table.columns if k > elapsed]] = float("nan")
    labels = [f"{c // 12}-{c % 12 + 1:02d}" for _s, c in table.index]
    index = pd.MultiIndex.from_arrays([table.index.get_level_values(0), labels], names=["split", "label"])
    table.index = index
    table.columns = [int(k) for k in table.columns]
    table = table.reindex(columns=range(int(max(table.columns)) + 1))
    return ActivityCohorts(table, pd.Series(sizes.to_numpy(), index=index), last)
