"""Per-account drivers: how much each feature moves this account's churn probability.

Method (model-agnostic, one prediction pass per feature): set the feature to its reference value — the
training median for a number, the most common value for text — keep every other feature as it is, and
predict again. The driver's contribution is the account's probability minus that one: positive means
the account's value raises its risk above what a typical value would. Contributions do not add up to
the probability (features interact); they rank what matters for this account. It is not SHAP.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dashapp.analytics.churn.features import FeatureSpec, label_of

TOP = 5


def references(spec: FeatureSpec, x: pd.DataFrame) -> dict[str, Any]:
    """Each feature's reference value, from the training rows."""
    refs: dict[str, Any] = {}
    for column in spec.numeric:
        values = x[column].dropna()
        refs[column] = float(values.median()) if len(values) else float("nan")
    for column in spec.categorical:
        values = x[column].dropna()
        refs[column] = values.mode().iloc[0] if len(values) else None
    return refs


def _shown(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float | np.floating):
        return round(float(value), 4)
    return value if isinstance(value, int | str | bool) else str(value)


def contributions(
    predict: Any, spec: FeatureSpec, x: pd.DataFrame, refs: dict[str, Any], base: np.ndarray
) -> np.ndarray:
    """A (rows x features) array: `base` (the rows' probabilities) minus the probability with that one
    feature at its reference value. Columns whose value already is the reference contribute 0."""
    out = np.zeros((len(x), len(spec.columns)), dtype=float)
    for j, column in enumerate(spec.columns):
        ref = refs.get(column)
        at_ref = x[column].isna() & pd.isna(ref) if pd.isna(ref) else x[column].eq(ref)
        if bool(at_ref.all()):
            continue
        moved = x.copy(deep=False)
        moved[column] = pd.Series([ref] * len(x), index=x.index, dtype=x[column].dtype)
        out[:, j] = np.where(at_ref.to_numpy(), 0.0, base - predict(moved))
    return out


def top_drivers(
    spec: FeatureSpec, x: pd.DataFrame, contrib: np.ndarray, refs: dict[str, Any], top: int = TOP
) -> list[list[dict[str, Any]]]:
    """For each row, its `top` features by absolute contribution, largest first."""
    columns = spec.columns
    order = np.argsort(-np.abs(contrib), axis=1)[:, :top]
    values = x[columns].to_numpy(dtype=object)
    result = []
    for i in range(len(x)):
        row = []
        for j in order[i]:
            c = float(contrib[i, j])
            if c == 0.0:
                continue
            row.append(
                {
                    "feature": columns[j],
                    "label": label_of(columns[j]),
                    "value": _shown(values[i, j]),
                    "reference": _shown(refs.get(columns[j])),
                    "contribution": round(c, 4),
                }
            )
        result.append(row)
    return result
