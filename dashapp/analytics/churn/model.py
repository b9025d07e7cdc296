"""The two scikit-learn pipelines: a calibrated gradient-boosting model and a logistic baseline.

- gradient boosting: ordinal-encoded text columns (as native categories) and raw numbers (missing values
  handled by the trees), then `HistGradientBoostingClassifier` with early stopping wrapped in
  `CalibratedClassifierCV` (isotonic with 20,000 training rows or more, Platt's sigmoid below that; 3 folds:
  the probability is the mean of three calibrated models);
- logistic baseline: median-imputed, standardised numbers with missing-value indicators and one-hot text,
  `LogisticRegression` — the plain model any other has to beat.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from dashapp.analytics.churn.features import FeatureSpec

ISOTONIC_MIN_ROWS = 20_000
BOOSTING_PARAMS: dict[str, Any] = {
    "learning_rate": 0.05,
    "max_iter": 500,
    "max_leaf_nodes": 8,
    "min_samples_leaf": 50,
    "l2_regularization": 1.0,
    "early_stopping": True,
    "validation_fraction": 0.15,
    "n_iter_no_change": 20,
    "random_state": 0,
}


def boosting(spec: FeatureSpec, n_rows: int, *, folds: int = 3) -> Pipeline:
    """Encoding first, then the calibrated trees: the drivers encode an account once and vary the encoded
    columns (see `drivers.contributions`)."""
    encode = ColumnTransformer(
        [
            (
                "text",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value",
                    unknown_value=np.nan,
                    encoded_missing_value=np.nan,
                    max_categories=254,
                ),
                spec.categorical,
            ),
            ("numbers", "passthrough", spec.numeric),
        ]
    )
    # Leaves of at least 50 rows, fewer on a small book (down to 10) so it can still learn something.
    params = {**BOOSTING_PARAMS, "min_samples_leaf": min(50, max(10, n_rows // 50))}
    trees = HistGradientBoostingClassifier(
        categorical_features=list(range(len(spec.categorical))) or None, **params
    )
    method = "isotonic" if n_rows >= ISOTONIC_MIN_ROWS else "sigmoid"
    return Pipeline([("encode", encode), ("model", CalibratedClassifierCV(trees, method=method, cv=folds))])


def logistic(spec: FeatureSpec) -> Pipeline:
    parts: list[tuple[str, Any, list[str]]] = []
    if spec.numeric:
        parts.append(
            (
                "numbers",
                make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
                spec.numeric,
            )
        )
    if spec.categorical:
        parts.append(
            (
                "text",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="(none)"),
                    OneHotEncoder(handle_unknown="ignore", min_frequency=5),
                ),
                spec.categorical,
            )
        )
    return Pipeline(
        [("encode", ColumnTransformer(parts)), ("logistic", LogisticRegression(max_iter=2000, C=1.0))]
    )


# One thread per fit or prediction: RQ runs one job per worker process, so parallelism comes from running
# several workers; OpenMP threads on top of that oversubscribe the cores (and on a busy machine a 2-thread
# prediction measured 7 to 15 times slower than a 1-thread one).
THREADS = 1


def fit(kind: str, spec: FeatureSpec, x: pd.DataFrame, y: np.ndarray) -> Any:
    if int(np.sum(y)) < 3 or int(np.sum(1 - np.asarray(y))) < 3:
        raise ValueError("training needs at least 3 churned and 3 retained examples")
    estimator = boosting(spec, len(x)) if kind == "boosting" else logistic(spec)
    with threadpool_limits(limits=THREADS):
        estimator.fit(x, np.asarray(y, dtype=int))
    return estimator


def predict(estimator: Any, x: Any) -> np.ndarray:
    with threadpool_limits(limits=THREADS):
        return np.asarray(estimator.predict_proba(x)[:, 1], dtype=float)
