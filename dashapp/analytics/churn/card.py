"""The model card: what a churn model is, what it was trained on and how it did on rows it never saw.

`model_card(model)` is the one shape the pages, the API and the CLI show; `format_card` prints it.
"""

from __future__ import annotations

from typing import Any

from models.churn import ChurnModel

DRIVER_METHOD = (
    "Per-account drivers: each feature is set to its reference value (training median, or most common "
    "value) and the probability recomputed; the driver is the difference. Model-agnostic occlusion, "
    "not SHAP: contributions rank what matters for this account and do not add up to the probability."
)


def _validation_text(model: ChurnModel) -> str:
    v = model.evaluation.get("validation", {})
    if v.get("method") == "time":
        purged = v.get("purged_dates") or []
        return (
            f"Time-based: trained on as-of dates {', '.join(v['train_dates'])}; tested on the later "
            f"{', '.join(v['test_dates'])}"
            + (
                f" (left out {', '.join(purged)}: their outcome window reached into the test period)"
                if purged
                else ""
            )
            + "."
        )
    return (
        "Random stratified 25% hold-out: this book has no usage or health history, so there are no earlier "
        "and later dates to split by; features are account fields and custom attributes only."
    )


def label_text(model: ChurnModel) -> str:
    if model.label == "inactive":
        return f"no activity within {model.horizon_days} days"
    if model.mode == "snapshot":
        return "churn (learnt from which accounts have churned, without dates)"
    return f"churn within {model.horizon_days} days"


def model_card(model: ChurnModel) -> dict[str, Any]:
    ev = model.evaluation
    return {
        "id": model.id,
        "version": model.version,
        "active": model.is_active,
        "mode": model.mode,
        "label": model.label,
        "label_definition": label_text(model),
        "horizon_days": model.horizon_days,
        "algorithm": model.algorithm,
        "baseline_algorithm": "LogisticRegression on standardised numbers and one-hot text",
        "created_at": model.created_at,
        "scored_at": model.scored_at,
        "training_window": {
            "train_from": model.train_from,
            "train_to": model.train_to,
            "test_from": model.test_from,
            "test_to": model.test_to,
            "train_rows": ev["window"]["train"]["rows"],
            "test_rows": ev["window"]["test"]["rows"],
        },
        "validation": _validation_text(model),
        "metrics": {k: v for k, v in ev["model"].items() if k != "calibration"},
        "baseline_metrics": {k: v for k, v in ev["baseline"].items() if k != "calibration"},
        "rankings": ev.get("rankings", {}),
        "calibration": ev["model"].get("calibration", []),
        "baseline_calibration": ev["baseline"].get("calibration", []),
        "importance": ev.get("importance", []),
        "features": model.features["categorical"] + model.features["numeric"],
        "driver_method": DRIVER_METHOD,
        "caveats": caveats(model),
    }


def caveats(model: ChurnModel) -> list[str]:
    notes = []
    ev = model.evaluation
    auc, base = ev["model"].get("roc_auc"), ev["baseline"].get("roc_auc")
    if auc is not None and base is not None and auc < base:
        notes.append(f"This model ranks worse than the logistic baseline on held-out rows ({auc} < {base}).")
    if ev["model"].get("brier") is not None and ev["model"]["brier"] >= (
        ev["model"].get("brier_reference") or 0
    ):
        notes.append("Its Brier score is no better than always predicting the average churn rate.")
    if ev["model"].get("churned", 0) < 30:
        notes.append(
            f"Only {ev['model'].get('churned', 0)} churned accounts in the test rows: figures are noisy."
        )
    if any(f.startswith("attr.") for f in model.features["categorical"] + model.features["numeric"]):
        notes.append("Custom attributes are their current values (no history is kept of them).")
    return notes


def _f(value: Any, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_card(model: ChurnModel) -> str:
    c = model_card(model)
    m, b, w = c["metrics"], c["baseline_metrics"], c["training_window"]
    lines = [
        f"Churn model v{c['version']}{' (active)' if c['active'] else ''}: {c['algorithm']}",
        f"Label: {c['label_definition']}",
        f"Training window: {w['train_from']} to {w['train_to']} ({w['train_rows']:,} rows); "
        f"test: {w['test_from']} to {w['test_to']} ({w['test_rows']:,} rows, {m['churned']:,} churned)",
        f"Validation: {c['validation']}",
        f"{'':22}{'model':>10}{'logistic':>10}",
        f"{'ROC AUC':22}{_f(m['roc_auc']):>10}{_f(b['roc_auc']):>10}",
        f"{'PR AUC':22}{_f(m['pr_auc']):>10}{_f(b['pr_auc']):>10}",
        f"{'Brier':22}{_f(m['brier'], 4):>10}{_f(b['brier'], 4):>10}"
        f"   (base rate alone: {_f(m['brier_reference'], 4)})",
        f"{'Top-decile lift':22}{_f(m['top_decile_lift'], 2):>10}{_f(b['top_decile_lift'], 2):>10}",
    ]
    for name, figures in c["rankings"].items():
        lines.append(f"{'ROC AUC of ' + name.replace('_', ' '):34} {_f(figures.get('roc_auc'))}")
    lines.append("Calibration (mean predicted -> observed, count):")
    for point in c["calibration"]:
        lines.append(f"  {point['predicted']:.3f} -> {point['observed']:.3f}  ({point['count']:,})")
    for note in c["caveats"]:
        lines.append(f"Note: {note}")
    return "\n".join(lines)
