"""Churn model: training on 100,000 accounts x 12 as-of dates (time and peak memory) and scoring every
account with the trained model, against baselines measured in the same run.

    python -m benchmarks churn [--quick]
    python -m benchmarks.churn [--accounts N] [--dates N] [--quick]

The rows are the shape `dashapp.analytics.churn.features.assemble` builds (health score and its changes,
activity sums and trend, days inactive, billing and tickets, segment/plan/region, tenure, two custom
attributes), generated with a latent risk per account so the labels can be learnt. What is timed is the
domain core, each step in a child process of its own so its peak memory (max RSS) is its own:

- `train`: `training.train` — the time-based split, the calibrated boosting fit (3 folds), the logistic
  baseline fit, held-out evaluation and feature importance: everything a retrain does after reading rows;
- `logistic only` (baseline): fitting just the logistic pipeline on the same training rows;
- `score`: probability and top-5 drivers for every account as of the latest date, with the trained model;
- `probabilities only` (baseline): `predict_proba` alone on the same rows.

Not included: reading the rows from PostgreSQL (one set-based query per as-of date; see `loader`).
`--quick` uses 10,000 accounts.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import figure, ratio

HORIZON = 90
STEP = 30


def make_rows(accounts: int, dates: int, seed: int = 0) -> pd.DataFrame:
    """`accounts` x `dates` feature rows with labels (about 8% churn per 90 days)."""
    rng = np.random.default_rng(seed)
    risk = rng.normal(0, 1, accounts)
    segment = rng.choice(["enterprise", "mid-market", "smb"], accounts, p=[0.2, 0.3, 0.5])
    plan = rng.choice(["starter", "growth", "pro"], accounts)
    region = rng.choice(["emea", "amer", "apac"], accounts)
    seats = rng.integers(1, 500, accounts).astype(float)
    tier = rng.choice(["bronze", "silver", "gold"], accounts)
    start = date(2025, 1, 1)
    parts = []
    for k in range(dates):
        drift = risk + rng.normal(0, 0.5, accounts)
        events_30 = np.maximum(0, rng.poisson(np.exp(4 - 0.6 * drift))).astype(float)
        events_prev = np.maximum(0, rng.poisson(np.exp(4 - 0.4 * drift))).astype(float)
        score = np.clip(60 - 12 * drift + rng.normal(0, 8, accounts), 0, 100)
        logit = -3.0 + 1.1 * drift + 0.4 * (segment == "smb") - 0.3 * (tier == "gold")
        label = (rng.random(accounts) < 1 / (1 + np.exp(-logit))).astype(int)
        parts.append(
            pd.DataFrame(
                {
                    "account_id": np.arange(1, accounts + 1),
                    "as_of": start + timedelta(days=STEP * k),
                    "segment": segment,
                    "plan": plan,
                    "region": region,
                    "industry": None,
                    "tenure_days": 300.0 + STEP * k + rng.integers(0, 2000, accounts),
                    "score": score,
                    "delta_7": rng.normal(-drift, 2),
                    "delta_30": rng.normal(-2 * drift, 4),
                    "delta_90": rng.normal(-3 * drift, 6),
                    "events_30": events_30,
                    "active_users_30": np.round(events_30 / 7),
                    "sessions_30": np.round(events_30 / 3),
                    "events_prev_30": events_prev,
                    "events_trend": (events_30 - events_prev) / (events_prev + 1),
                    "days_inactive": np.where(events_30 > 0, rng.integers(0, 10, accounts), 45).astype(float),
                    "invoiced_90": np.round(rng.gamma(2, 500, accounts), 2),
                    "tickets_90": rng.poisson(np.exp(0.3 * drift)).astype(float),
                    "attr.seats": seats,
                    "attr.tier": tier,
                    "label": label,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _child(target: Any, args: tuple, out: Any) -> None:
    started = time.perf_counter()
    result = target(*args)
    seconds = time.perf_counter() - started
    out.send((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, result))
    out.close()


def _isolated(target: Any, *args: Any) -> tuple[float, int, Any]:
    """Run `target(*args)` in a forked child: (seconds, peak RSS bytes of the child, its result)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(target, args, child))
    process.start()
    child.close()
    seconds, peak, result = parent.recv()
    process.join()
    if process.exitcode:
        raise RuntimeError(f"the benchmark child exited with {process.exitcode}")
    return seconds, peak, result


def _baseline_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _train(rows: pd.DataFrame) -> dict[str, Any]:
    from dashapp.analytics.churn.service import dump
    from dashapp.analytics.churn.training import train

    trained = train(rows, horizon_days=HORIZON, mode="history")
    return {
        "roc_auc": trained.metrics["roc_auc"],
        "baseline_roc_auc": trained.baseline["roc_auc"],
        "brier": trained.metrics["brier"],
        "train_rows": trained.window["train"]["rows"],
        "test_rows": trained.window["test"]["rows"],
        "artefact": dump(trained),
        "spec": trained.spec.as_dict(),
        "references": trained.references,
    }


def _logistic(rows: pd.DataFrame, train_dates: list[date]) -> int:
    from dashapp.analytics.churn import model
    from dashapp.analytics.churn.features import conform, infer_spec

    part = rows[rows["as_of"].isin(train_dates)]
    spec = infer_spec(part, "history")
    model.fit("logistic", spec, conform(part, spec), part["label"].to_numpy())
    return len(part)


def _score(latest: pd.DataFrame, artefact: bytes, spec: dict, refs: dict) -> int:
    import io

    import joblib

    from dashapp.analytics.churn.features import FeatureSpec
    from dashapp.analytics.churn.training import score

    scored = score(joblib.load(io.BytesIO(artefact)), FeatureSpec.from_dict(spec), refs, latest)
    return int(scored["drivers"].map(len).sum())


def _probabilities(latest: pd.DataFrame, artefact: bytes, spec: dict) -> int:
    import io

    import joblib

    from dashapp.analytics.churn import model
    from dashapp.analytics.churn.features import FeatureSpec, conform

    estimator = joblib.load(io.BytesIO(artefact))
    return len(model.predict(estimator, conform(latest, FeatureSpec.from_dict(spec))))


def measure(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.churn")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--dates", type=int, default=12)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    accounts = 10_000 if args.quick else args.accounts
    rows = make_rows(accounts, args.dates)
    dates = sorted(set(rows["as_of"]))
    from dashapp.analytics.churn.training import split

    _train_mask, _test_mask, info = split(rows, HORIZON)
    train_dates = [date.fromisoformat(d) for d in info["train_dates"]]
    parent_rss = _baseline_rss()
    train_s, train_peak, trained = _isolated(_train, rows)
    logistic_s, logistic_peak, logistic_rows = _isolated(_logistic, rows, train_dates)
    latest = rows[rows["as_of"] == dates[-1]].reset_index(drop=True)
    score_s, score_peak, drivers = _isolated(
        _score, latest, trained["artefact"], trained["spec"], trained["references"]
    )
    proba_s, _proba_peak, _n = _isolated(_probabilities, latest, trained["artefact"], trained["spec"])
    return {
        "accounts": accounts,
        "dates": args.dates,
        "rows": len(rows),
        "rows_bytes": int(rows.memory_usage(deep=True).sum()),
        "parent_rss": parent_rss,
        "train_seconds": train_s,
        "train_peak": train_peak,
        "logistic_seconds": logistic_s,
        "logistic_peak": logistic_peak,
        "logistic_rows": logistic_rows,
        "score_seconds": score_s,
        "score_peak": score_peak,
        "probabilities_seconds": proba_s,
        "drivers": drivers,
        **{k: trained[k] for k in ("roc_auc", "baseline_roc_auc", "brier", "train_rows", "test_rows")},
        "artefact_bytes": len(trained["artefact"]),
    }


def run(argv: list[str] | None = None) -> dict[str, Any]:
    r = measure(argv)
    mb = 1024 * 1024
    return {
        "feature rows": figure(r["rows"], "rows", f"{r['accounts']:,} accounts x {r['dates']} as-of dates"),
        "rows in memory": figure(round(r["rows_bytes"] / mb), "MB", "the DataFrame the training reads"),
        "train (boosting + calibration + logistic + evaluation)": figure(
            round(r["train_seconds"], 1),
            "s",
            f"{r['train_rows']:,} training rows, {r['test_rows']:,} test rows",
        ),
        "benchmark process before training": figure(
            round(r["parent_rss"] / mb), "MB", "max RSS the forked children start from (rows included)"
        ),
        "train peak memory": figure(round(r["train_peak"] / mb), "MB", "max RSS of the training process"),
        "logistic baseline fit alone": figure(round(r["logistic_seconds"], 1), "s", "same training rows"),
        "train vs logistic fit": ratio(r["train_seconds"], r["logistic_seconds"]),
        "logistic peak memory": figure(round(r["logistic_peak"] / mb), "MB"),
        "score all accounts (probability + 5 drivers)": figure(
            round(r["score_seconds"], 2), "s", f"{r['accounts']:,} accounts"
        ),
        "score peak memory": figure(round(r["score_peak"] / mb), "MB"),
        "probabilities only": figure(round(r["probabilities_seconds"], 2), "s", "predict_proba, no drivers"),
        "score vs probabilities only": ratio(
            r["score_seconds"], r["probabilities_seconds"], "cost of drivers"
        ),
        "held-out ROC AUC (model / logistic)": figure(f"{r['roc_auc']:.3f} / {r['baseline_roc_auc']:.3f}"),
        "held-out Brier": figure(r["brier"]),
        "model artefact": figure(
            round(r["artefact_bytes"] / 1024), "KB", "joblib, compressed, stored in the DB"
        ),
    }


if __name__ == "__main__":
    from benchmarks.__main__ import table

    started = time.perf_counter()
    print(table("churn", time.perf_counter() - started, run(__import__("sys").argv[1:])))
