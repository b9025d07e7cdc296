"""Held-out evaluation of churn probabilities: ROC AUC, PR AUC, Brier score, calibration curve, lift."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

CALIBRATION_BINS = 10


def _r(value: float) -> float:
    return round(float(value), 4)


def top_decile_lift(y: np.ndarray, p: np.ndarray) -> float | None:
    """Churn rate among the 10% highest probabilities over the overall churn rate (1 = no better than
    picking at random). Ties at the cut are broken by position, not by favour."""
    y = np.asarray(y, dtype=float)
    base = y.mean() if len(y) else 0.0
    if base == 0:
        return None
    k = max(1, int(np.ceil(0.1 * len(y))))
    top = np.argsort(-np.asarray(p, dtype=float), kind="stable")[:k]
    return _r(y[top].mean() / base)


def calibration(y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict[str, Any]]:
    """Quantile bins of predicted probability (about equal counts): mean prediction, observed churn
    rate and count of each. A well-calibrated model has observed close to predicted in every bin."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    if not len(p):
        return []
    edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges[1:-1], p, side="right"), 0, max(0, len(edges) - 2))
    out = []
    for b in range(max(1, len(edges) - 1)):
        inside = which == b
        if inside.any():
            out.append(
                {
                    "predicted": _r(p[inside].mean()),
                    "observed": _r(y[inside].mean()),
                    "count": int(inside.sum()),
                }
            )
    return out


def evaluate(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """Every figure the model card shows. AUCs are None unless both outcomes occur."""
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    both = 0 < int(y.sum()) < len(y)
    return {
        "rows": len(y),
        "churned": int(y.sum()),
        "churn_rate": _r(y.mean()) if len(y) else None,
        "roc_auc": _r(roc_auc_score(y, p)) if both else None,
        "pr_auc": _r(average_precision_score(y, p)) if both else None,
        "brier": _r(brier_score_loss(y, p)) if len(y) else None,
        # The Brier score of always predicting the base rate: a model must score below it to be useful.
        "brier_reference": _r(y.mean() * (1 - y.mean())) if len(y) else None,
        "top_decile_lift": top_decile_lift(y, p),
        "calibration": calibration(y, p) if both else [],
    }


def ranking(y: np.ndarray, risk: np.ndarray) -> dict[str, Any]:
    """ROC AUC of a plain risk ranking (e.g. days since last activity, or minus the health score)."""
    y, risk = np.asarray(y, dtype=int), np.asarray(risk, dtype=float)
    keep = ~np.isnan(risk)
    y, risk = y[keep], risk[keep]
    both = 0 < int(y.sum()) < len(y)
    return {"rows": len(y), "roc_auc": _r(roc_auc_score(y, risk)) if both else None}
