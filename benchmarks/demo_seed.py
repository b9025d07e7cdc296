"""Benchmark: seed the demo book into a fresh scratch database and compare with a plain COPY.

Prints the wall time of the seed (plan, owners, generation, COPY, index builds, commit), rows per second per
table and overall, and the ratio against the baseline measured in the same run: the same daily-metrics
rows, exported from the seeded table to a local file first, COPied into an identical table (same columns,
indexes and foreign key). The ratio says how much the whole seed costs next to PostgreSQL ingesting
just its largest table the plain way.

    python -m benchmarks.demo_seed --accounts 100000 --months 18
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from datetime import UTC, date, datetime

import psycopg
from sqlalchemy.engine import make_url

from dashapp import migrate, services
from dashapp.demo.loader import load
from dashapp.demo.plan import plan_book
from dashapp.settings import Settings
from dashapp.users import create_user
from models.db import Database

COPY_CHUNK = 1 << 20
METRIC_COLUMNS = "account_id, day, active_users, sessions, logins, events, feature_usage"


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.demo_seed", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD [default: today]")
    parser.add_argument("--event-days", type=int, default=None, help="raw event days [default: automatic]")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain COPY baseline")
    return parser.parse_args(argv)


def _scratch_database(server_url: str) -> str:
    name = f"hd_bench_demo_{uuid.uuid4().hex[:8]}"
    admin = make_url(server_url).set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(services.libpq_url(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    name = make_url(url).database
    admin = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(services.libpq_url(admin), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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


def run(argv: list[str] | None = None) -> dict:
    args = _args(argv)
    settings = services.resolve(Settings.from_env())
    url = _scratch_database(settings.database_url or "")
    try:
        migrate.upgrade(url)
        result = {"name": "demo_seed", **_seed(url, args)}
        if not args.no_baseline:
            baseline = _baseline(url)
            result["baseline_copy"] = baseline
            result["ratio_vs_plain_copy"] = result["wall_seconds"] / baseline["seconds"]
            metrics = result["rows"]["account_daily_metrics"]
            result["metrics_rows_per_second_in_seed"] = metrics / result["wall_seconds"]
    finally:
        _drop_database(url)
    return result


def report(result: dict) -> str:
    lines = [
        f"demo seed: {result['accounts']:,} accounts, {result['months']} months "
        f"(raw events for the last {result['raw_event_days']} day(s))",
        f"  wall time            {result['wall_seconds']:8.1f} s  (plan {result['plan_seconds']:.1f} s, "
        f"load {result['load_seconds']:.1f} s)",
        f"  rows                 {result['total_rows']:>12,}  ({result['rows_per_second']:,.0f} rows/s overall)",
    ]
    for table, rows in result["rows"].items():
        rate = result["table_rows_per_second"].get(table)
        streamed = f"{rate:>12,.0f} rows/s while streaming" if rate else ""
        lines.append(f"    {table:<24} {rows:>12,}  {streamed}")
    lines.append("  phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in result["phases"].items()))
    if "baseline_copy" in result:
        base = result["baseline_copy"]
        lines.append(
            f"  baseline: plain COPY of the same {base['rows']:,} daily-metrics rows into an identical table: "
            f"{base['seconds']:.1f} s ({base['rows_per_second']:,.0f} rows/s)"
        )
        lines.append(
            f"  ratio seed / plain COPY of its metrics: {result['ratio_vs_plain_copy']:.2f}  "
            f"(seed ingests {result['metrics_rows_per_second_in_seed']:,.0f} metric rows/s end to end)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
