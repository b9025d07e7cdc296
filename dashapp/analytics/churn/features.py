"""Feature rows as of a date, from frames the loader read (pure pandas; no database here).

One row per account alive on the as-of date. What may enter a row is fixed here, once:

- health: the latest snapshot on or before the as-of date (score, its 7/30/90-day changes, each measure's
  raw value) — never a later one;
- activity: sums over the 30 days up to the as-of date and the 30 before, and days since the last active
  day, from the daily roll-ups on or before the as-of date;
- billing and support: amounts invoiced and tickets opened in the 90 days up to the as-of date;
- account fields that do not record churn itself: segment, plan, industry, region, tenure. MRR and the
  renewal date are current values that a churn changes (MRR drops to 0, the renewal passes), so they
  never enter;
- custom attributes (current values: no history of them is kept), flattened to `attr.<key>`, numeric when
  every value is a number. Attributes whose name mentions churn are left out: they are the label.

`lifecycle_stage`, `churn_reason` and `churned_at` never enter: they record the outcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

ACCOUNT_CATEGORICAL = ("segment", "plan", "industry", "region")
ACTIVITY = ("events_30", "active_users_30", "sessions_30", "events_prev_30", "events_trend", "days_inactive")
HEALTH = ("score", "delta_7", "delta_30", "delta_90")
BILLING = ("invoiced_90", "tickets_90")
MAX_CATEGORIES = 40  # a text attribute with more distinct values than this (an id, a note) is left out
MIN_COVERAGE = 0.01  # an attribute set on fewer accounts than this share is left out
_LABEL_LIKE = re.compile("churn", re.IGNORECASE)

LABELS = {
    "score": "Health score",
    "delta_7": "Score change, 7 days",
    "delta_30": "Score change, 30 days",
    "delta_90": "Score change, 90 days",
    "events_30": "Events, last 30 days",
    "active_users_30": "Active users, last 30 days",
    "sessions_30": "Sessions, last 30 days",
    "events_prev_30": "Events, 30 days before that",
    "events_trend": "Events trend (last 30 vs previous 30)",
    "days_inactive": "Days since last activity",
    "invoiced_90": "Invoiced, last 90 days",
    "tickets_90": "Tickets opened, last 90 days",
    "tenure_days": "Tenure (days)",
}


def label_of(feature: str) -> str:
    if feature in LABELS:
        return LABELS[feature]
    if feature.startswith("measure."):
        return f"Measure: {feature.removeprefix('measure.')}"
    if feature.startswith("attr."):
        return f"Attribute: {feature.removeprefix('attr.')}"
    return feature.replace("_", " ").capitalize()


@dataclass
class FeatureSpec:
    """Which columns a model reads, fixed when it is trained so scoring builds the same ones."""

    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    mode: str = "history"  # "history" (point in time) or "snapshot" (a book without history)

    @property
    def columns(self) -> list[str]:
        return [*self.categorical, *self.numeric]

    def as_dict(self) -> dict[str, Any]:
        return {"numeric": self.numeric, "categorical": self.categorical, "mode": self.mode}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        return cls(list(data["numeric"]), list(data["categorical"]), data.get("mode", "history"))


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return float(value) if isinstance(value, bool) else None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _present(value: Any) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    return not (isinstance(value, str) and not value.strip())


def attribute_frame(account_ids: pd.Series, attributes: pd.Series) -> pd.DataFrame:
    """Custom attributes flattened to `attr.<key>` columns: numbers as floats (blank -> NaN), text as str."""
    records = [a if isinstance(a, dict) else {} for a in attributes.tolist()]
    flat = pd.DataFrame.from_records(records, index=account_ids.to_numpy())
    out = pd.DataFrame(index=account_ids.to_numpy())
    for key in flat.columns:
        if _LABEL_LIKE.search(str(key)):
            continue
        values = flat[key]
        present = values.map(_present)
        if present.mean() < MIN_COVERAGE:
            continue
        numbers = values.map(_number)
        if numbers[present].notna().all():
            out[f"attr.{key}"] = numbers.astype(float)
        else:
            out[f"attr.{key}"] = values.map(lambda v: str(v) if _present(v) else None).astype(object)
    return out


def infer_spec(frame: pd.DataFrame, mode: str) -> FeatureSpec:
    """The feature columns of a training frame: numeric ones with some values, text ones with a few
    distinct values (enough to learn from, not an id)."""
    numeric, categorical = [], []
    for column in frame.columns:
        if column in ("account_id", "as_of", "label"):
            continue
        values = frame[column]
        if values.notna().sum() == 0:
            continue
        if pd.api.types.is_numeric_dtype(values):
            if values.nunique(dropna=True) > 1 or values.isna().any():
                numeric.append(column)
        else:
            distinct = values.nunique(dropna=True)
            if 1 < distinct <= MAX_CATEGORIES or (distinct == 1 and values.isna().any()):
                categorical.append(column)
    return FeatureSpec(numeric=numeric, categorical=categorical, mode=mode)


def _days_between(later: pd.Series | date, earlier: pd.Series | date) -> pd.Series:
    delta = pd.to_datetime(later) - pd.to_datetime(earlier)
    return delta.dt.days.astype(float) if hasattr(delta, "dt") else delta


def assemble(
    as_of: date,
    accounts: pd.DataFrame,
    *,
    snapshots: pd.DataFrame | None = None,
    activity: pd.DataFrame | None = None,
    billing: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The feature rows as of `as_of`: one per account in `accounts` (already the eligible ones).

    `snapshots`: account_id, day, score, delta_7/30/90 and `measures` ({key: raw}) — snapshots of a day
    after `as_of` are dropped here whatever the caller passed; `activity`: account_id and the ACTIVITY
    sums (the loader computes them from days up to `as_of`); `billing`: account_id, invoiced_90, tickets_90.
    """
    ids = accounts["account_id"].astype("int64")
    out = pd.DataFrame({"account_id": ids.to_numpy()})
    out["as_of"] = as_of
    for name in ACCOUNT_CATEGORICAL:
        out[name] = accounts[name].astype(object).where(accounts[name].notna(), None).to_numpy()
    start = pd.to_datetime(accounts["contract_start"])
    out["tenure_days"] = ((pd.Timestamp(as_of) - start).dt.days.astype(float)).to_numpy()
    out = out.set_index("account_id", drop=False)
    cutoff = pd.Timestamp(as_of)

    if snapshots is not None and len(snapshots):
        snaps = snapshots[pd.to_datetime(snapshots["day"]) <= cutoff]
        snaps = snaps.sort_values("day").drop_duplicates("account_id", keep="last").set_index("account_id")
        for name in HEALTH:
            out[name] = snaps[name].astype(float).reindex(out.index)
        measures = pd.DataFrame.from_records(
            [m if isinstance(m, dict) else {} for m in snaps["measures"].tolist()], index=snaps.index
        )
        for key in measures.columns:
            out[f"measure.{key}"] = pd.to_numeric(measures[key], errors="coerce").reindex(out.index)

    if activity is not None and len(activity):
        act = activity.set_index("account_id")
        for name in ("events_30", "active_users_30", "sessions_30", "events_prev_30"):
            out[name] = act[name].astype(float).reindex(out.index).fillna(0.0)
        out["events_trend"] = (out["events_30"] - out["events_prev_30"]) / (out["events_prev_30"] + 1.0)
        out["days_inactive"] = act["days_inactive"].astype(float).reindex(out.index)

    if billing is not None and len(billing):
        bill = billing.set_index("account_id")
        for name in BILLING:
            if name in bill:
                out[name] = bill[name].astype(float).reindex(out.index).fillna(0.0)

    attrs = attribute_frame(accounts["account_id"].astype("int64"), accounts["custom_attributes"])
    out = out.join(attrs)
    return out.reset_index(drop=True)


def conform(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The model's columns in its order: missing ones as NaN/None, numbers as float, text as object."""
    data: dict[str, Any] = {}
    for column in spec.categorical:
        values = frame[column] if column in frame else pd.Series([None] * len(frame), index=frame.index)
        data[column] = values.astype(object).where(values.notna(), np.nan)
    for column in spec.numeric:
        values = frame[column] if column in frame else pd.Series(np.nan, index=frame.index)
        data[column] = pd.to_numeric(values, errors="coerce").astype(float)
    return pd.DataFrame(data, index=frame.index)
