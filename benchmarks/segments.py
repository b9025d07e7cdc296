"""Segmentation and revenue impact on 100,000 accounts, against bare baselines measured in the same run.

    python -m benchmarks segments [--quick]

Synthetic features (four behaviour groups plus noise) for 100,000 accounts (20,000 with `--quick`), then:

- `one k-means fit`: a single KMeans(k=4, n_init=1) on the scaled features: the least any clustering costs;
- `segment`: the full job's core: k chosen by silhouette over 2..8, final fit (n_init=8), five bootstrap
  reruns for stability, names and profiles;
- `pandas groupby`: the ARR sums per band and decile (no intervals), the baseline for
- `revenue impact`: shares, Wilson intervals and ARR intervals per band and decile.

The database side (feature SQL, storing 100,000 assignments) is not timed here.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

from benchmarks import figure, ratio
from dashapp.analytics.revenue_impact import deciles, revenue_impact
from dashapp.analytics.segment_features import FEATURES
from dashapp.analytics.segmentation import prepare, segment


def features(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(4, n, p=[0.5, 0.2, 0.2, 0.1])
    centre = {
        "active_users": [10, 60, 2, 12],
        "sessions": [20, 120, 4, 25],
        "active_days": [0.6, 0.95, 0.1, 0.6],
        "features_used": [6, 12, 2, 6],
        "tickets": [2, 20, 1, 4],
        "urgent_share": [0.1, 0.3, 0.05, 0.5],
        "csat": [4.2, 3.8, 4.0, 2.5],
        "mrr": [1000, 6000, 300, 1500],
        "late_payments": [0.05, 0.05, 0.6, 0.2],
    }
    data = {}
    for f in FEATURES:
        c = np.asarray(centre[f.key], dtype=float)[group]
        values = c * rng.lognormal(0, 0.25, n)
        data[f.key] = np.clip(values, 0, 1) if f.unit == "%" else values
    return pd.DataFrame(data, index=pd.RangeIndex(1, n + 1, name="account_id"))


def book(n: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 100, n)
    start = rng.uniform(1000, 90000, n)
    return pd.DataFrame(
        {
            "account_id": np.arange(n),
            "score": score,
            "band": np.where(score < 40, "red", np.where(score < 70, "yellow", "green")),
            "arr_start": start,
            "arr_end": start * rng.choice([0.7, 1.0, 1.3], n, p=[0.1, 0.8, 0.1]),
            "churned": rng.random(n) < (0.25 - score / 500),
        }
    )


def _best(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks segments")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--accounts", type=int, default=None)
    args = parser.parse_args(argv or [])
    n = args.accounts or (20_000 if args.quick else 100_000)

    frame = features(n)
    x = prepare(frame)[0].to_numpy()
    one_fit = _best(lambda: KMeans(4, n_init=1, random_state=0).fit(x), 3)
    started = time.perf_counter()
    result = segment(frame)
    full = time.perf_counter() - started

    impact_book = book(n)

    def groupby() -> None:
        b = impact_book.assign(
            decile=deciles(impact_book["score"]), lost=impact_book["arr_start"] * impact_book["churned"]
        )
        b.groupby("band")[["arr_start", "lost"]].sum()
        b.groupby("decile")[["arr_start", "lost"]].sum()

    base = _best(groupby, 3)
    impact = _best(lambda: revenue_impact(impact_book), 2)
    return {
        "accounts": figure(n),
        "one k-means fit (k=4)": figure(round(one_fit, 3), "s", "baseline"),
        "segment (choose k, fit, 5 reruns, names)": figure(round(full, 2), "s"),
        "segment / one fit": ratio(full, one_fit),
        "k chosen": figure(result.k, "", f"silhouette {result.silhouette:.2f}"),
        "stability (mean ARI)": figure(round(result.stability, 3), "", f"min {min(result.ari):.3f}"),
        "pandas groupby (band, decile sums)": figure(round(base * 1000, 1), "ms", "baseline"),
        "revenue impact (shares + intervals)": figure(round(impact * 1000, 1), "ms"),
        "revenue impact / groupby": ratio(impact, base),
    }


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table("segments", 0, run()))
