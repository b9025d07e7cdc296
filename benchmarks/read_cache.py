"""The read cache at 100,000 accounts: the explore queries (KPIs + distribution, band migration, cohort rows,
health by cohort age, first-activity retention) answered from Redis (hit path) against computed and stored
(miss path, a fresh data version each round), with the plain query (no cache) as a second baseline, all in
the same process.

    python -m benchmarks read_cache [--quick]
    python -m benchmarks.read_cache [--accounts N] [--repeat N] [--reuse URL]

The book (accounts, current health, 13 weekly snapshots, monthly invoices) is the explore benchmark's, written
with COPY into a scratch database that is dropped afterwards; the cache uses a Redis namespace of its own.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import redis
from flask import Flask
from sqlalchemy.orm import Session

from benchmarks import figure, percentile, ratio
from benchmarks._explore_data import generate
from dashapp import migrate, services
from dashapp.cache import bump_data_version, init_read_cache
from dashapp.filters import Filters, parse
from dashapp.queries import cohorts, overview
from dashapp.settings import Settings
from models.db import Database
from tests.support.database import create_test_database, drop_database

QUERIES: list[dict[str, list[str]]] = [
    {},
    {"band": ["red"]},
    {"segment": ["smb"], "plan": ["pro"]},
    {"score_min": ["40"], "score_max": ["60"], "status": ["all"]},
    {"change30_max": ["-5"], "region": ["EMEA"]},
    {"renewal_within": ["90"], "band": ["red", "yellow"]},
]
Call = Callable[[Session, Filters], Any]


def _calls(today: date) -> dict[str, tuple[Call, Call]]:
    """name -> (through the cache, plain query)."""
    since = today - timedelta(days=730)
    return {
        "summary": (overview.summary, overview.summary.uncached),
        "band_trend": (overview.band_trend, overview.band_trend.uncached),
        "cohort_rows": (
            lambda s, f: cohorts.cohort_rows(s, f, date_field="contract_start", split="segment", since=since),
            lambda s, f: cohorts.cohort_rows.uncached(
                s, f, date_field="contract_start", split="segment", since=since
            ),
        ),
        "health_by_age": (
            lambda s, f: cohorts.health_by_age(s, f, date_field="contract_start", split="segment"),
            lambda s, f: cohorts.health_by_age.uncached(s, f, date_field="contract_start", split="segment"),
        ),
        "activity_retention": (
            lambda s, f: cohorts.activity_retention(s, f, split="segment"),
            lambda s, f: cohorts.activity_retention.uncached(s, f, split="segment"),
        ),
    }


def _ms(fn: Call, session: Session, filters: Filters) -> float:
    started = time.perf_counter()
    fn(session, filters)
    return (time.perf_counter() - started) * 1000


def _measure(database: Database, settings: Settings, repeat: int) -> dict[str, dict[str, list[float]]]:
    app = Flask("benchmark-read-cache")
    cache = init_read_cache(app, settings)
    times: dict[str, dict[str, list[float]]] = {}
    calls = _calls(date.today())
    with app.app_context(), database.session() as session:
        for round_ in range(repeat + 1):
            bump_data_version(
                settings, "benchmark round", cache.conn
            )  # every entry stale: the next call misses
            for query in QUERIES:
                filters, errors = parse(query)
                assert not errors, errors
                for name, (cached, plain) in calls.items():
                    # The plain query and the miss run in turn first, so warming up favours neither.
                    if round_ % 2:
                        direct = _ms(plain, session, filters)
                        miss = _ms(cached, session, filters)
                    else:
                        miss = _ms(cached, session, filters)
                        direct = _ms(plain, session, filters)
                    hit = _ms(cached, session, filters)
                    if round_:  # the first round warms PostgreSQL's and the process's caches
                        bucket = times.setdefault(name, {"direct": [], "miss": [], "hit": []})
                        bucket["direct"].append(direct)
                        bucket["miss"].append(miss)
                        bucket["hit"].append(hit)
    expected_hits = (repeat + 1) * len(QUERIES) * len(calls)
    assert cache.stats.hits == expected_hits, (cache.stats, expected_hits)
    return times


def _entry_sizes(settings: Settings) -> list[int]:
    conn = redis.Redis.from_url(settings.redis_url or "")
    keys = list(conn.scan_iter(match=f"{settings.redis_namespace}readcache:*:v*", count=1000))
    return [int(conn.strlen(k)) for k in keys]


def _clear(settings: Settings) -> None:
    conn = redis.Redis.from_url(settings.redis_url or "")
    keys = list(conn.scan_iter(match=f"{settings.redis_namespace}*", count=1000))
    if keys:
        conn.delete(*keys)


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.read_cache")
    parser.add_argument("--accounts", type=int, default=None, help="accounts [100,000; 10,000 with --quick]")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reuse", default=None, help="an already built (and migrated) book's database URL")
    args = parser.parse_args(argv or [])
    accounts = args.accounts or (10_000 if args.quick else 100_000)
    base = services.resolve(Settings.from_env())
    settings = base.with_overrides(redis_namespace=f"hd_bench_rc_{uuid.uuid4().hex[:8]}:")
    url = args.reuse or create_test_database(settings.database_url or "", prefix="hd_bench_rcache")
    figures: dict[str, Any] = {}
    try:
        if not args.reuse:
            migrate.upgrade(url)
            counts = generate(url, accounts, invoices=True)
            figures["book"] = figure(
                f"{counts['accounts']:,} accounts, {counts['snapshots']:,} snapshots, "
                f"{counts['invoices']:,} invoices"
            )
        database = Database(url, session_info=settings.money)
        times = _measure(database, settings, args.repeat)
        sizes = _entry_sizes(settings)
        database.engine.dispose()
        every = {path: [t for q in times.values() for t in q[path]] for path in ("direct", "miss", "hit")}
        for path, label in (("direct", "no cache"), ("miss", "miss path"), ("hit", "hit path")):
            figures[f"{label} p50"] = figure(round(percentile(every[path], 50), 2), "ms")
            figures[f"{label} p95"] = figure(round(percentile(every[path], 95), 2), "ms")
        figures["p50 hit / miss"] = ratio(
            percentile(every["hit"], 50), percentile(every["miss"], 50), "aim: far under 1x"
        )
        figures["p95 hit / miss"] = ratio(percentile(every["hit"], 95), percentile(every["miss"], 95))
        figures["p50 miss / no cache"] = ratio(
            percentile(every["miss"], 50), percentile(every["direct"], 50), "the cost of encoding and storing"
        )
        figures["samples each"] = figure(len(every["hit"]))
        for name, paths in times.items():
            figures[f"median, {name}"] = figure(
                f"{statistics.median(paths['miss']):.1f} -> {statistics.median(paths['hit']):.2f}",
                "ms",
                f"miss -> hit (no cache {statistics.median(paths['direct']):.1f})",
            )
        if sizes:
            figures["entry size median"] = figure(int(statistics.median(sizes)), "bytes", "compressed")
            figures["entry size max"] = figure(max(sizes), "bytes")
    finally:
        _clear(settings)
        if not args.reuse:
            drop_database(url)
    return figures


if __name__ == "__main__":
    from benchmarks.__main__ import table

    started = time.perf_counter()
    result = run(sys.argv[1:])
    print(table("read_cache", time.perf_counter() - started, result))
