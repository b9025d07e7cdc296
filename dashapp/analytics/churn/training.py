"""Train and evaluate on feature rows: split, fit both pipelines, measure on rows the fit never saw.

Validation is by time when the rows span several as-of dates: the latest quarter of the dates (at least
one) is the test set, and training uses only the dates whose whole outcome window closed before the first
test date (`as_of + horizon <= first test date`), so no training label was unknown on that date. A book
without history (one as-of date) falls back to a stratified random 25% hold-out, and the card says so.

The model stored and used to score is the one evaluated here (fit on the training part only), so the
figures beside it are its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from dashapp.analytics.churn import drivers, metrics, model
from dashapp.analytics.churn.features import FeatureSpec, conform, infer_spec

TEST_SHARE = 0.25
# Plain rankings reported beside the model when their column exists: higher value = more risk.
RANKINGS = {"health_score": ("score", -1.0), "days_since_activity": ("days_inactive", 1.0)}


class TrainingError(ValueError):
    """The rows cannot train a model; the message says why and what to do."""


@dataclass
class Trained:
    estimator: Any
    spec: FeatureSpec
    references: dict[str, Any]
    metrics: dict[str, Any]
    baseline: dict[str, Any]
    rankings: dict[str, Any]
    validation: dict[str, Any]
    window: dict[str, Any]
    importance: list[dict[str, Any]] = field(default_factory=list)


def split(rows: pd.DataFrame, horizon_days: int) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Boolean masks (train, test) and a description of the split."""
    dates = sorted(set(rows["as_of"]))
    y = rows["label"].to_numpy(dtype=int)
    if len(dates) == 1:
        index = np.arange(len(rows))
        stratify = y if min(y.sum(), len(y) - y.sum()) >= 2 else None
        tr, te = train_test_split(index, test_size=TEST_SHARE, random_state=0, stratify=stratify)
        train, test = np.zeros(len(rows), bool), np.zeros(len(rows), bool)
        train[tr], test[te] = True, True
        return train, test, {"method": "random", "test_share": TEST_SHARE, "seed": 0}
    n_test = max(1, round(TEST_SHARE * len(dates)))
    test_dates = dates[-n_test:]
    first_test = test_dates[0]
    train_dates = [d for d in dates[:-n_test] if d + timedelta(days=horizon_days) <= first_test]
    if not train_dates:
        raise TrainingError(
            f"not enough history for a time-based test: the {len(dates)} as-of dates "
            f"({dates[0]} to {dates[-1]}) leave no training date whose {horizon_days}-day outcome closed "
            f"before the first test date {first_test}; use more as-of dates or a longer span"
        )
    as_of = rows["as_of"]
    train = as_of.isin(train_dates).to_numpy()
    test = as_of.isin(test_dates).to_numpy()
    return (
        train,
        test,
        {
            "method": "time",
            "train_dates": [d.isoformat() for d in train_dates],
            "test_dates": [d.isoformat() for d in test_dates],
            "purged_dates": [d.isoformat() for d in dates[:-n_test] if d not in train_dates],
        },
    )


def _window(rows: pd.DataFrame, mask: np.ndarray) -> dict[str, Any]:
    part = rows.loc[mask, "as_of"]
    return {"from": min(part).isoformat(), "to": max(part).isoformat(), "rows": int(mask.sum())}


def train(rows: pd.DataFrame, *, horizon_days: int, mode: str) -> Trained:
    """Fit the calibrated boosting model and the logistic baseline on the training part; evaluate both
    (and the plain rankings) on the test part."""
    if rows.empty:
        raise TrainingError("there are no training rows: no account was alive on the as-of dates")
    train_mask, test_mask, validation = split(rows, horizon_days)
    # Which columns to use is decided on the training rows alone.
    spec = infer_spec(rows[train_mask], mode)
    if not spec.columns:
        raise TrainingError("no usable feature: accounts have no fields, attributes or history to learn from")
    x = conform(rows, spec)
    y = rows["label"].to_numpy(dtype=int)
    for part, mask in (("training", train_mask), ("test", test_mask)):
        churned = int(y[mask].sum())
        if churned < 3 or churned > mask.sum() - 3:
            raise TrainingError(
                f"the {part} rows hold {churned} churned of {int(mask.sum())}: both outcomes need at least 3"
            )
    x_train, y_train, x_test, y_test = x[train_mask], y[train_mask], x[test_mask], y[test_mask]
    estimator = model.fit("boosting", spec, x_train, y_train)
    baseline = model.fit("logistic", spec, x_train, y_train)
    p_test = model.predict(estimator, x_test)
    rankings = {}
    for name, (column, sign) in RANKINGS.items():
        if column in rows:
            rankings[name] = metrics.ranking(y_test, sign * rows.loc[test_mask, column].to_numpy(dtype=float))
    refs = drivers.references(spec, x_train)
    return Trained(
        estimator=estimator,
        spec=spec,
        references=refs,
        metrics=metrics.evaluate(y_test, p_test),
        baseline=metrics.evaluate(y_test, model.predict(baseline, x_test)),
        rankings=rankings,
        validation=validation,
        window={"train": _window(rows, train_mask), "test": _window(rows, test_mask)},
        importance=importance(estimator, spec, x_test, refs, p_test),
    )


def importance(
    estimator: Any, spec: FeatureSpec, x: pd.DataFrame, refs: dict[str, Any], base: np.ndarray
) -> list[dict[str, Any]]:
    """Mean absolute driver contribution of each feature over (a sample of) the test rows."""
    from dashapp.analytics.churn.features import label_of

    if len(x) > 5000:
        pick = np.random.default_rng(0).choice(len(x), 5000, replace=False)
        x, base = x.iloc[pick], base[pick]
    contrib = drivers.contributions(estimator, spec, x, refs, base)
    mean = np.abs(contrib).mean(axis=0)
    order = np.argsort(-mean)
    return [
        {"feature": spec.columns[j], "label": label_of(spec.columns[j]), "mean_abs": round(float(mean[j]), 4)}
        for j in order
        if mean[j] > 0
    ][:15]


def score(
    trained_estimator: Any, spec: FeatureSpec, refs: dict[str, Any], rows: pd.DataFrame
) -> pd.DataFrame:
    """Probabilities and top drivers for feature rows (account_id + features)."""
    x = conform(rows, spec)
    p = model.predict(trained_estimator, x)
    contrib = drivers.contributions(trained_estimator, spec, x, refs, p)
    return pd.DataFrame(
        {
            "account_id": rows["account_id"].to_numpy(),
            "probability": p,
            "drivers": drivers.top_drivers(spec, x, contrib, refs),
        }
    )
