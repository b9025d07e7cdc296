"""Forecasts for 200 series on 2 workers: wall time and time per fit, against the same 200 fits run one
after another in one process (same run, same data), and the parallel speed-up.

    python -m benchmarks forecasts [--quick]
    python -m benchmarks.forecasts [--series N] [--days N] [--workers N] [--quick]

Builds a scratch database with a book whose planned series number exactly `--series` (default 200: the
book's and three segments' six metrics each, plus one health series per at-risk account), `--days` (180)
days of daily snapshots and usage. Then:

- `sequential`: every series fitted in this process, one after another (`jobs.forecasts.run_inline`, forced);
- `parallel`: the coordinator job queues one fit per series on the "analytics" queue (forced), and
  `--workers` (2) `healthdash worker --burst` processes fit them; wall time from the first fit starting to
  the last ending (from `job_runs`), and from starting the workers until both exit;
- `unchanged rerun`: the coordinator again without force, on the same workers: every fit is skipped.

Each series' fit is 1 final Prophet fit plus one per backtest origin (3 for 30 days, 3 for 90 days). `--quick`
uses 40 series and 120 days.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import func, select

from benchmarks import figure, ratio
from benchmarks._ingest_support import pg_url, scratch_install
from dashapp.analytics.forecasting import series as fseries
from jobs import forecasts, runtime
from models.db import Database
from models.job import JobRun

SEGMENTS = ("enterprise", "mid-market", "smb")
GROUP_SERIES = len(fseries.GROUP_METRICS) * (1 + len(SEGMENTS))


def build(url: str, *, accounts: int, days: int, today: date, seed: int = 7) -> None:
    """Red accounts (all planned) with weekly-patterned scores and usage; COPY, no ORM."""
    rng = np.random.default_rng(seed)
    start = today - timedelta(days=days - 1)
    t = np.arange(days)
    weekly = np.array([0.0, 1.0, 2.0, 2.5, 2.0, -3.0, -4.5])[t % 7]
    with psycopg.connect(url) as conn:
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY accounts (id, external_id, name, segment, mrr, contract_start) FROM STDIN"
            ) as copy,
        ):
            for i in range(1, accounts + 1):
                began = start - timedelta(days=int(rng.integers(0, 400)))
                copy.write(f"{i}\tfc-{i}\tAccount {i}\t{SEGMENTS[i % 3]}\t{rng.gamma(2, 500):.2f}\t{began}\n")
        conn.execute("SELECT setval(pg_get_serial_sequence('accounts', 'id'), %s)", (accounts,))
        snaps, current, metrics = io.StringIO(), io.StringIO(), io.StringIO()
        for i in range(1, accounts + 1):
            level = rng.uniform(15, 35)
            scores = np.clip(level + rng.normal(0, 0.02) * t + 2 * weekly + rng.normal(0, 1.0, days), 0, 39.9)
            users = rng.poisson(np.maximum(1, 5 + weekly))
            for d in range(days):
                day = start + timedelta(days=d)
                s = round(float(scores[d]), 2)
                snaps.write(f"{i}\t{day}\t{s}\tred\t{s}\tred\n")
                metrics.write(f"{i}\t{day}\t{users[d]}\n")
            s = round(float(scores[-1]), 2)
            current.write(f"{i}\t{today}\t{s}\tred\t{s}\tred\n")
        for table, columns, buf in (
            ("health_snapshots", "account_id, day, score, band, computed_score, computed_band", snaps),
            ("account_health", "account_id, day, score, band, computed_score, computed_band", current),
            ("account_daily_metrics", "account_id, day, active_users", metrics),
        ):
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(buf.getvalue())


def _fit_runs(db: Database, after_id: int) -> tuple[int, float, float, int]:
    """(runs, seconds from first start to last end, sum of fit seconds, Prophet fits) of fit runs after id."""
    with db.transaction() as session:
        rows = session.execute(
            select(
                func.count(),
                func.extract("epoch", func.max(JobRun.ended_at) - func.min(JobRun.started_at)),
                func.sum(func.extract("epoch", JobRun.ended_at - JobRun.started_at)),
                func.sum(func.coalesce(JobRun.result["fits"].as_integer(), 0)),
            ).where(JobRun.kind == "forecasts.fit", JobRun.id > after_id, JobRun.status == "finished")
        ).one()
    return int(rows[0]), float(rows[1] or 0), float(rows[2] or 0), int(rows[3] or 0)


def _max_run_id(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.coalesce(func.max(JobRun.id), 0))) or 0)


def _workers(env: dict[str, str], count: int) -> float:
    """Start `count` burst workers on the analytics queue; seconds until all have exited."""
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "dashapp.cli.entry", "worker", "--queue", "analytics", "--burst"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    for proc in procs:
        if proc.wait(timeout=3600) != 0:
            raise RuntimeError(f"a worker exited with status {proc.returncode}")
    return time.perf_counter() - started


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.forecasts")
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv or [])
    if args.quick:
        args.series, args.days = 40, 120
    accounts = args.series - GROUP_SERIES
    if accounts < 1 or accounts > fseries.MAX_ACCOUNTS:
        parser.error(f"--series must be between {GROUP_SERIES + 1} and {GROUP_SERIES + fseries.MAX_ACCOUNTS}")

    with scratch_install("hd_fcbench") as (settings, env):
        build(pg_url(settings), accounts=accounts, days=args.days, today=date.today())
        db = Database(settings.database_url or "")
        with db.transaction() as session:
            planned = len(fseries.plan(session))
        assert planned == args.series, f"planned {planned} series, expected {args.series}"

        load_before = os.getloadavg()[0]
        t = time.perf_counter()
        outcomes = forecasts.run_inline(db, force=True)
        sequential = time.perf_counter() - t
        prophet_fits = sum(o.fits for o in outcomes)

        # The coordinator reads its settings from the environment, as it does in a worker.
        saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "REDIS_URL", "HEALTHDASH_REDIS_NAMESPACE")}
        os.environ.update(
            DATABASE_URL=env["DATABASE_URL"],
            REDIS_URL=env["REDIS_URL"],
            HEALTHDASH_REDIS_NAMESPACE=env["HEALTHDASH_REDIS_NAMESPACE"],
        )
        runtime.use_database(db)
        try:
            before = _max_run_id(db)
            forecasts.run_all(force=True)
            workers_wall = _workers(env, args.workers)
            runs, parallel, busy, parallel_fits = _fit_runs(db, before)
            before = _max_run_id(db)
            forecasts.run_all(force=False)
            rerun_wall = _workers(env, args.workers)
            rerun_runs, rerun, _, rerun_fits = _fit_runs(db, before)
        finally:
            runtime.use_database(None)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        db.engine.dispose()
    load_after = os.getloadavg()[0]

    return {
        "series": figure(
            args.series, "", f"{accounts} accounts + {GROUP_SERIES} book/segment series, {args.days} days"
        ),
        "sequential wall (1 process)": figure(round(sequential, 2), "s", "baseline, same run"),
        "sequential per series": figure(round(sequential / args.series, 3), "s"),
        f"parallel wall ({args.workers} workers)": figure(
            round(parallel, 2), "s", "first fit start to last fit end"
        ),
        "parallel per series": figure(round(parallel / max(1, runs), 3), "s", "wall / series"),
        "parallel worker processes wall": figure(round(workers_wall, 2), "s", "incl. worker start and exit"),
        "speed-up vs sequential": ratio(sequential, parallel, "sequential / parallel wall"),
        "fit jobs finished": figure(runs, "", f"of {args.series}"),
        "Prophet fits per series": figure(
            round(prophet_fits / args.series, 2), "", "final + backtest origins"
        ),
        "time per Prophet fit (sequential)": figure(round(1000 * sequential / max(1, prophet_fits), 1), "ms"),
        "job busy time per series (parallel)": figure(
            round(busy / max(1, runs), 3), "s", f"{parallel_fits} fits"
        ),
        "unchanged rerun wall": figure(
            round(rerun, 2), "s", f"{rerun_runs} jobs, {rerun_fits} fits (all skipped)"
        ),
        "unchanged rerun vs full": ratio(rerun, parallel, f"worker processes wall {rerun_wall:.1f} s"),
        "machine load (1-min average)": figure(
            f"{load_before:.1f} -> {load_after:.1f}",
            "",
            f"{os.cpu_count()} CPUs; a shared machine skews the ratios",
        ),
    }


if __name__ == "__main__":
    from benchmarks.__main__ import table

    started = time.perf_counter()
    figures = run(sys.argv[1:])
    print(table("forecasts", time.perf_counter() - started, figures))
