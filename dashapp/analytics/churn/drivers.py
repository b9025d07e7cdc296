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

from dashapp.analytics.churn import model
from dashapp.analytics.churn.features import FeatureSpec, conform, label_of

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
    estimator: Any, spec: FeatureSpec, x: pd.DataFrame, refs: dict[str, Any], base: np.ndarray
) -> np.ndarray:
    """A (rows x features) array: `base` (the rows' probabilities) minus the probability with that one
    feature at its reference value. Rows whose value already is the reference contribute 0 (and are not
    predicted again). The rows are encoded once; each pass varies one encoded column."""
    encode, head = estimator[:-1], estimator[-1]
    z = np.asarray(encode.transform(x), dtype=float)
    reference = pd.DataFrame({c: [refs.get(c)] for c in spec.columns})
    z_ref = np.asarray(encode.transform(conform(reference, spec)), dtype=float)[0]
    out = np.zeros((len(x), len(spec.columns)), dtype=float)
    for j in range(len(spec.columns)):
        column = z[:, j]
        same = np.isnan(column) if np.isnan(z_ref[j]) else column == z_ref[j]
        changed = ~same
        if not changed.any():
            continue
        moved = z[changed].copy()
        moved[:, j] = z_ref[j]
        out[changed, j] = base[changed] - model.predict(head, moved)
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
