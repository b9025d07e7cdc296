"""Scorecard editor preview: the score distribution and backtest of an edited scorecard, on the whole book
against on the sample the Scorecards page uses, measured in the same run.

    python -m benchmarks scorecard_preview [--quick]
    python -m benchmarks.scorecard_preview [--accounts N] [--days N] [--sample N] [--reuse URL]

The book (daily metrics with tickets, invoices, payments and surveys) is the score_recompute benchmark's,
long enough (default 300 days) for the backtest to have as-of dates before its 90-day horizon.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any

from benchmarks import figure, ratio
from benchmarks.score_recompute import build
from dashapp import migrate, services
from dashapp.scoring import service
from dashapp.scoring.defaults import DEFAULT_DEFINITION
from dashapp.settings import Settings
from dashapp.ui.scorecard_form import PREVIEW_SAMPLE
from models.db import Database
from tests.support.database import create_test_database, drop_database


def _edited() -> dict[str, Any]:
    """The default scorecard with more weight on support, as a manager might try."""
    edited = {**DEFAULT_DEFINITION, "groups": [dict(g) for g in DEFAULT_DEFINITION["groups"]]}
    edited["groups"][2]["weight"] = 35
    return edited


def _time(database: Database, sample: int | None) -> tuple[float, dict[str, Any]]:
    with database.session() as session:
        started = time.perf_counter()
        out = service.preview_scorecard(session, _edited(), sample=sample)
        elapsed = time.perf_counter() - started
        session.rollback()
    return elapsed, out


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.scorecard_preview")
    parser.add_argument("--accounts", type=int, default=None, help="accounts [20,000; 5,000 with --quick]")
    parser.add_argument("--days", type=int, default=300)
    parser.add_argument("--sample", type=int, default=PREVIEW_SAMPLE)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reuse", default=None, help="an already built (and migrated) book's database URL")
    args = parser.parse_args(argv or [])
    accounts = args.accounts or (5_000 if args.quick else 20_000)
    settings = services.resolve(Settings.from_env())
    url = args.reuse or create_test_database(settings.database_url or "", prefix="hd_bench_preview")
    figures: dict[str, Any] = {}
    try:
        if not args.reuse:
            migrate.upgrade(url)
            parts = build(url, accounts=accounts, days=args.days, today=datetime.now(UTC).date())
            figures["build"] = figure(
                round(sum(parts.values()), 1), "s", f"{accounts:,} accounts x {args.days} days"
            )
        database = Database(url)
        with database.transaction() as session:
            service.ensure_default_scorecard(session)
        sampled, out = _time(database, args.sample)  # also warms the caches
        sampled, out = _time(database, args.sample)
        whole, full = _time(database, None)
        database.engine.dispose()
        backtest = full.get("backtest") or {}
        dates = len(backtest.get("current", {}).get("results", []))
        figures["preview, whole book"] = figure(
            round(whole, 2), "s", f"{full['current']['accounts']:,} accounts, {dates} as-of dates"
        )
        note = (
            f"{out['sample']['accounts']:,} of {out['sample']['of']:,}"
            if out.get("sample")
            else "book no larger"
        )
        figures["preview, sample"] = figure(round(sampled, 2), "s", note)
        figures["sample / whole book"] = ratio(sampled, whole)
        mean = (out.get("backtest") or {}).get("proposed", {}).get("mean_auc")
        whole_mean = backtest.get("proposed", {}).get("mean_auc")
        figures["mean AUC of the edit, sample vs whole"] = figure(f"{mean} vs {whole_mean}")
    finally:
        if not args.reuse:
            drop_database(url)
    return figures
