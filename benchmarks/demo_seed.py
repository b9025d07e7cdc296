"""Benchmark: seed the demo book into a fresh scratch database and compare with a plain COPY.

Prints the wall time of the seed (plan, owners, generation, COPY, index builds, commit), rows per second per
table and overall, and the ratio against the baseline measured in the same run: the same daily-metrics
rows, exported from the seeded table to a local file first, COPied into an identical table (same columns,
indexes and foreign key). The ratio says how much the whole seed costs next to PostgreSQL ingesting
just its largest table the plain way.

    python -m benchmarks.demo_seed --accounts 100000 --months 18
    python -m benchmarks demo_seed --quick
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import psycopg

from benchmarks import figure, ratio
from dashapp import migrate, services
from dashapp.demo.loader import load
from dashapp.demo.plan import plan_book
from dashapp.settings import Settings
from dashapp.users import create_user
from models.db import Database
from tests.support.database import create_test_database, drop_database

COPY_CHUNK = 1 << 20
METRIC_COLUMNS = "account_id, day, active_users, sessions, logins, events, feature_usage"


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.demo_seed", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="5,000 accounts instead of 100,000")
    parser.add_argument("--accounts", type=int, default=None, help="[100,000; 5,000 with --quick]")
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD [default: today]")
    parser.add_argument("--event-days", type=int, default=None, help="raw event days [default: automatic]")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain COPY baseline")
    return parser.parse_args(argv)


def _seed(url: str, args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    plan = plan_book(
        args.accounts, args.months, args.seed, args.today or datetime.now(UTC).date(), args.event_days
    )
    planned = time.perf_counter()
    database = Database(url)
    try:
        with database.transaction() as session:
            owners = [
                create_user(session, email=email, password=uuid.uuid4().hex * 2, role="csm", name=name).id
                for email, name in plan.owners
            ]
    finally:
        database.engine.dispose()
    with psycopg.connect(services.libpq_url(url), autocommit=True) as conn:
        report = load(conn, plan, owners)
    wall = time.perf_counter() - started
    return {
        "accounts": args.accounts,
        "months": args.months,
        "raw_event_days": plan.raw_event_days,
        "wall_seconds": wall,
        "plan_seconds": planned - started,
        "load_seconds": report.total_seconds,
        "rows": report.rows,
        "total_rows": report.total_rows,
        "rows_per_second": report.total_rows / wall,
        "copy_seconds": report.seconds,
        "table_rows_per_second": {
            table: rows / report.seconds[table]
            for table, rows in report.rows.items()
            if report.seconds.get(table)
        },
        "phases": report.phases,
    }


def _baseline(url: str) -> dict:
    """Export the seeded metrics to a file, then COPY them into an identical table with its indexes and key."""
    with (
        psycopg.connect(services.libpq_url(url), autocommit=True) as conn,
        tempfile.TemporaryDirectory() as tmp,
    ):
        path = os.path.join(tmp, "metrics.copy")
        export = f"COPY account_daily_metrics ({METRIC_COLUMNS}) TO STDOUT"
        with open(path, "wb") as out, conn.cursor() as cur, cur.copy(export) as copy:
            for data in copy:
                out.write(data)
        size = os.path.getsize(path)
        conn.execute("CREATE TABLE bench_metrics_copy (LIKE account_daily_metrics INCLUDING ALL)")
        conn.execute(
            "ALTER TABLE bench_metrics_copy ADD FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE"
        )
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur, open(path, "rb") as src:
            with cur.copy(f"COPY bench_metrics_copy ({METRIC_COLUMNS}) FROM STDIN") as copy:
                while chunk := src.read(COPY_CHUNK):
                    copy.write(chunk)
            rows = cur.rowcount
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_metrics_copy")
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds, "bytes": size}


def run(argv: list[str] | None = None) -> dict[str, Any]:
    args = _args(argv)
    args.accounts = args.accounts or (5_000 if args.quick else 100_000)
    settings = services.resolve(Settings.from_env())
    url = create_test_database(settings.database_url or "", prefix="hd_bench_demo")
    try:
        migrate.upgrade(url)
        seed = _seed(url, args)
        base = None if args.no_baseline else _baseline(url)
    finally:
        drop_database(url)
    return figures(seed, base)


def figures(seed: dict[str, Any], base: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "book": figure(
            f"{seed['accounts']:,} accounts, {seed['months']} months",
            note=f"raw events for the last {seed['raw_event_days']} day(s)",
        ),
        "seed wall time": figure(
            round(seed["wall_seconds"], 1), "s", "plan, owners, generate, COPY, indexes, commit"
        ),
        "rows": figure(seed["total_rows"], "rows"),
        "overall": figure(round(seed["rows_per_second"]), "rows/s", "all tables, end to end"),
    }
    for table, rows in seed["rows"].items():
        rate = seed["table_rows_per_second"].get(table)
        note = f"{rows:,} rows" + ("" if rate else ", none generated")
        out[f"{table} streaming"] = figure(round(rate or 0), "rows/s", note)
    for phase, seconds in seed["phases"].items():
        out[f"{phase}"] = figure(round(seconds, 1), "s")
    if base:
        out["baseline: plain COPY of the metrics"] = figure(
            round(base["rows_per_second"]),
            "rows/s",
            f"{base['rows']:,} rows into an identical table with its indexes and key, {base['seconds']:.1f} s",
        )
        out["seed vs plain COPY of its metrics"] = ratio(
            seed["wall_seconds"], base["seconds"], "whole seed time / time to COPY just its daily metrics"
        )
    return out


if __name__ == "__main__":
    from benchmarks.__main__ import table

    started = time.perf_counter()
    result = run()
    print(table("demo_seed", time.perf_counter() - started, result))
