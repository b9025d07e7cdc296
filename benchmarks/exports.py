"""Exports at 100,000 accounts: CSV of every account (time, peak memory, against PostgreSQL's own
`COPY (SELECT ...) TO STDOUT` of the same rows), and a PDF snapshot of the Overview plus a 500-row account
table, first (Chrome starting for kaleido) and warm.

    python -m benchmarks.exports [--accounts N] [--repeat N] [--keep-db]

The book (accounts, current health, 13 weekly snapshots each) is written with COPY into a scratch database
that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import psycopg

from benchmarks._explore_data import generate
from dashapp import migrate
from dashapp.exports.csvfile import account_columns, write_csv
from dashapp.exports.pdf import build_pdf
from dashapp.exports.sections import account_table, snapshot_sections
from dashapp.exports.target import from_page
from dashapp.filters import accounts_query
from dashapp.services import libpq_url
from dashapp.settings import Settings
from models.db import Database
from tests.support.database import create_test_database, drop_database


def _copy_baseline(url: str, sql: str, path: Path) -> float:
    started = time.perf_counter()
    with (
        psycopg.connect(libpq_url(url)) as conn,
        conn.cursor() as cur,
        path.open("wb") as out,
        cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy,
    ):
        for chunk in copy:
            out.write(chunk)
    return time.perf_counter() - started


def _csv(database: Database, target: Any, path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with database.transaction() as session:
        rows = write_csv(session, target, path, "benchmark")
    return time.perf_counter() - started, rows


def _pdf(database: Database, overview: Any, accounts: Any) -> tuple[float, int, int]:
    started = time.perf_counter()
    with database.transaction() as session:
        sections = [*snapshot_sections(session, overview), account_table(session, accounts, limit=500)]
    out = io.BytesIO()
    charts = build_pdf(sections, title="Overview", meta_lines=["benchmark"], out=out)
    return time.perf_counter() - started, charts, len(out.getvalue())


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="exports")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10,000 accounts")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    n = 10_000 if args.quick else args.accounts

    server_url = Settings.from_env().database_url
    if not server_url:
        raise SystemExit("set DATABASE_URL to a PostgreSQL server for this benchmark")
    url = create_test_database(server_url, prefix="hd_bench_exports")
    figures: dict[str, Any] = {}
    try:
        migrate.upgrade(url)
        counts = generate(url, n)
        figures["book"] = f"{counts['accounts']:,} accounts, {counts['snapshots']:,} snapshots"
        database = Database(url)
        target = from_page("/accounts", "status=all&sort=name")
        with database.transaction() as session:
            stmt = accounts_query(target.filters, account_columns(target), sort=target.sort)
            sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        with tempfile.TemporaryDirectory() as tmp:
            path, base = Path(tmp) / "export.csv", Path(tmp) / "copy.csv"
            times, baseline = [], []
            rows = 0
            for _ in range(args.repeat):
                baseline.append(_copy_baseline(url, sql, base))
                seconds, rows = _csv(database, target, path)
                times.append(seconds)
            tracemalloc.start()
            _csv(database, target, path)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            csv_s, copy_s = statistics.median(times), statistics.median(baseline)
            figures["CSV rows"] = rows
            figures["CSV export"] = (round(csv_s, 2), "s", f"median of {args.repeat}; aim < 3 s")
            figures["COPY TO STDOUT, same rows"] = (round(copy_s, 2), "s", "baseline")
            figures["CSV / COPY"] = (round(csv_s / copy_s, 2), "x")
            figures["CSV peak Python memory"] = (round(peak / 2**20, 1), "MiB", "tracemalloc, one run")
            figures["CSV size"] = (round(path.stat().st_size / 2**20, 1), "MiB")
        overview = from_page("/", "")
        accounts = from_page("/accounts", "sort=-arr")
        first, charts, size = _pdf(database, overview, accounts)
        warm = [(_pdf(database, overview, accounts))[0] for _ in range(args.repeat)]
        figures["PDF charts"] = (charts, "", "every chart the Overview shows")
        figures["PDF first (starts Chrome)"] = (round(first, 2), "s")
        figures["PDF warm"] = (round(statistics.median(warm), 2), "s", f"median of {args.repeat}; aim < 5 s")
        figures["PDF size"] = (round(size / 1024), "KiB")
        database.engine.dispose()
    finally:
        if not args.keep_db:
            drop_database(url)
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
