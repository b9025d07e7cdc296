"""Churn model: point-in-time training rows, calibrated gradient boosting beside a logistic baseline,
held-out evaluation, versioned models and per-account probabilities with drivers.

- `features`: what a row as of a date may hold (and what it never may), pure pandas;
- `loader`: the SQL that reads it, bounded by the as-of date; labels are the only thing read after it;
- `model`: the two scikit-learn pipelines; `metrics`: ROC AUC, PR AUC, Brier, calibration, lift;
- `training`: the time-based split (with the overlap purged), fit and evaluate; `drivers`: per-account
  contributions;
- `service`: train, store, activate, score (the façade jobs, CLI, pages and API use); `card`: the model card.
"""
