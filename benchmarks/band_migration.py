"""Overview band migration over a 100,000-account book: the query behind the chart against the plain
aggregate it replaced (every sampled day's snapshots joined to the filtered accounts), the two run
alternately in the same process so load on the machine hits both alike.

    python -m benchmarks band_migration [--quick]
    python -m benchmarks.band_migration [--accounts N] [--repeat N] [--reuse URL]

The book (accounts, current health, 13 weekly snapshots each) is the explore benchmark's, written with COPY
into a scratch database that is dropped afterwards. Filters are those of `explore_callbacks`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from benchmarks import figure, percentile, ratio
from benchmarks._explore_data import generate
from dashapp import migrate, services
from dashapp.filters import Filters, parse
from dashapp.queries import overview as q
from dashapp.settings import Settings
from models.db import Database
from models.health import HealthSnapshot
from tests.support.database import create_test_database, drop_database

QUERIES: list[dict[str, list[str]]] = [
    {},
    {"band": ["red"]},
    {"segment": ["smb"], "plan": ["pro"]},
    {"q": ["company 0012"]},
    {"score_min": ["40"], "score_max": ["60"], "status": ["all"]},
    {"change30_max": ["-5"], "region": ["EMEA"]},
    {"renewal_within": ["90"], "band": ["red", "yellow"]},
    {"attr.tier": ["gold"], "attr.seats": [">=100"]},
]


def plain(session: Session, filters: Filters) -> list[Any]:
    """The aggregate the Overview ran before `health_band_counts`."""
    start, end = filters.trend_window()
    stmt = (
        select(HealthSnapshot.day, HealthSnapshot.band, func.count(), func.avg(HealthSnapshot.score))
        .where(
            HealthSnapshot.day.in_(q.sample_days(start, end)),
            HealthSnapshot.account_id.in_(q.filtered_ids(filters)),
        )
        .group_by(HealthSnapshot.day, HealthSnapshot.band)
    )
    return session.execute(stmt).all()


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.band_migration")
    parser.add_argument("--accounts", type=int, default=None, help="accounts [100,000; 10,000 with --quick]")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reuse", default=None, help="an already built (and migrated) book's database URL")
    args = parser.parse_args(argv or [])
    accounts = args.accounts or (10_000 if args.quick else 100_000)
    settings = services.resolve(Settings.from_env())
    url = args.reuse or create_test_database(settings.database_url or "", prefix="hd_bench_bands")
    figures: dict[str, Any] = {}
    try:
        if not args.reuse:
            migrate.upgrade(url)
            counts = generate(url, accounts)
            figures["book"] = figure(f"{counts['accounts']:,} accounts, {counts['snapshots']:,} snapshots")
        database = Database(url)
        before: list[float] = []
        after: list[float] = []
        by_query: dict[str, tuple[list[float], list[float]]] = {}
        with database.session() as session:
            for round_ in range(args.repeat + 1):
                for query in QUERIES:
                    filters, errors = parse(query)
                    assert not errors, errors
                    started = time.perf_counter()
                    plain(session, filters)
                    middle = time.perf_counter()
                    q.band_trend(session, filters)
                    ended = time.perf_counter()
                    if round_:  # the first round warms the caches
                        before.append((middle - started) * 1000)
                        after.append((ended - middle) * 1000)
                        label = ", ".join(f"{k}={'|'.join(v)}" for k, v in query.items()) or "no filter"
                        pair = by_query.setdefault(label, ([], []))
                        pair[0].append(before[-1])
                        pair[1].append(after[-1])
        database.engine.dispose()
        for name, values in (("plain aggregate (before)", before), ("band_trend (now)", after)):
            figures[f"{name} p50"] = figure(round(percentile(values, 50), 1), "ms")
            figures[f"{name} p95"] = figure(round(percentile(values, 95), 1), "ms")
        figures["p50 now / before"] = ratio(percentile(after, 50), percentile(before, 50))
        figures["p95 now / before"] = ratio(
            percentile(after, 95), percentile(before, 95), "aim: well under 1x"
        )
        figures["samples each"] = figure(len(after))
        for label, (old, new) in by_query.items():
            figures[f"median, {label}"] = figure(
                f"{statistics.median(old):.0f} -> {statistics.median(new):.0f}", "ms", "before -> now"
            )
    finally:
        if not args.reuse:
            drop_database(url)
    return figures
