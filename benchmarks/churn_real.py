"""Churn model on real data: the figures the model card shows, on the Telco sample and on Online Retail.

    python -m benchmarks churn_real [--quick]

In a scratch database (dropped afterwards):

- Telco (`telco_churn.csv`, a book with churn labels and custom attributes only): held-out ROC AUC of the
  calibrated boosting model beside the logistic baseline (about 0.84 per the data's README), Brier score
  beside the base rate's, the calibration curve and the top-decile lift;
- Online Retail (both files, 2009-12 to 2011-12; `--quick`: the 2010-12 to 2011-12 file only), churn = no
  purchase in the 90 days after an as-of date, 12 monthly as-of dates, trained on the earlier ones and
  tested on the later ones: ROC AUC of the model, of days since the last purchase, and of the health score
  (default scorecard, computed as of each test date).

The same figures are asserted in tests/churn/test_telco.py and tests/churn/test_online_retail.py.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks import figure

HERE = Path(__file__).resolve().parent


def _shared_data() -> Path:
    for parent in HERE.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return Path("../shared/data")


def _calibration(points: list[dict[str, Any]]) -> str:
    return ", ".join(f"{p['predicted']:.2f}->{p['observed']:.2f}" for p in points)


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.churn_real")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    from dashapp import migrate, services
    from dashapp.analytics.churn import service
    from dashapp.ingest.online_retail import import_files
    from dashapp.ingest.telco import import_file
    from dashapp.settings import Settings
    from jobs.rollup import drain
    from models.db import Database
    from tests.support.database import create_test_database, drop_database, truncate_all

    data = _shared_data()
    settings = services.resolve(Settings.from_env())
    url = create_test_database(settings.database_url or "", prefix="hd_bench_churn")
    figures: dict[str, Any] = {}
    try:
        migrate.upgrade(url)
        db = Database(url)
        started = time.perf_counter()
        import_file(db, data / "telco_churn.csv", churned_on=date(2026, 1, 31))
        with db.transaction() as session:
            model = service.train_model(session)
            ev = model.evaluation
        m, b = ev["model"], ev["baseline"]
        figures["telco: test rows (churned)"] = figure(f"{m['rows']:,} ({m['churned']:,})", "", "random 25%")
        figures["telco: ROC AUC model / logistic"] = figure(f"{m['roc_auc']:.3f} / {b['roc_auc']:.3f}")
        figures["telco: PR AUC model / logistic"] = figure(f"{m['pr_auc']:.3f} / {b['pr_auc']:.3f}")
        figures["telco: Brier model / logistic / base rate"] = figure(
            f"{m['brier']:.4f} / {b['brier']:.4f} / {m['brier_reference']:.4f}"
        )
        figures["telco: top-decile lift"] = figure(m["top_decile_lift"], "x")
        figures["telco: calibration (predicted->observed)"] = figure(_calibration(m["calibration"]))
        figures["telco: import + train"] = figure(round(time.perf_counter() - started, 1), "s")

        truncate_all(db.engine)
        started = time.perf_counter()
        names = ["online_retail_2010-12_2011-12.csv.gz"]
        if not args.quick:
            names.insert(0, "online_retail_II_2009-12_2010-12.csv.gz")
        import_files(db, [data / n for n in names])
        drain(db)  # also starts each customer on their first purchase
        imported = time.perf_counter() - started
        started = time.perf_counter()
        with db.transaction() as session:
            model = service.train_model(session, label="inactive", horizon_days=90)
            ev = model.evaluation
        m, b, r = ev["model"], ev["baseline"], ev["rankings"]
        v = ev["validation"]
        figures["retail: as-of dates train / test"] = figure(
            f"{v['train_dates'][0]}..{v['train_dates'][-1]} / {v['test_dates'][0]}..{v['test_dates'][-1]}"
        )
        figures["retail: test rows (lapsed)"] = figure(f"{m['rows']:,} ({m['churned']:,})")
        figures["retail: ROC AUC churn model"] = figure(m["roc_auc"])
        figures["retail: ROC AUC logistic baseline"] = figure(b["roc_auc"])
        figures["retail: ROC AUC days since last purchase"] = figure(r["days_since_activity"]["roc_auc"])
        health = r.get("health_score", {})
        figures["retail: ROC AUC health score"] = figure(
            health.get("roc_auc"), "", f"{health.get('rows', 0):,} rows scored"
        )
        figures["retail: Brier model / base rate"] = figure(f"{m['brier']:.4f} / {m['brier_reference']:.4f}")
        figures["retail: calibration (predicted->observed)"] = figure(_calibration(m["calibration"]))
        figures["retail: import + roll-up"] = figure(round(imported, 1), "s")
        figures["retail: train (rows, fit, health score on test dates)"] = figure(
            round(time.perf_counter() - started, 1), "s"
        )
        db.engine.dispose()
    finally:
        drop_database(url)
    return figures


if __name__ == "__main__":
    import sys

    os.environ.setdefault("HEALTHDASH_ENV", "development")
    from benchmarks.__main__ import table

    started = time.perf_counter()
    print(table("churn_real", time.perf_counter() - started, run(sys.argv[1:])))
