"""Health score recompute: 100,000 accounts from 90 days of daily metrics (9,000,000 rows) against a single
bare SQL aggregate over the same rows, measured in the same run.

    python -m benchmarks score_recompute [--quick]          (through the runner)
    python -m benchmarks.score_recompute [--accounts N] [--days N] [--quick] [--keep] [--reuse URL]

Builds a scratch database (COPY, no demo generator needed) with the daily metrics plus a modest amount of
tickets, invoices, payments and surveys, scores the day before and 30 days before (so the timed day has
history to explain against), then times:

- `bare aggregate`: SELECT account_id, avg(active_users), sum(logins), sum(events), max(sessions)
  FROM account_daily_metrics GROUP BY account_id — one pass over all rows, best of three;
- `recompute`: a full recompute of one day with the default scorecard (load, score, roll up, explain,
  overrides, write snapshots and current health), best of two.

Reports both, their ratio (aim: under 2x) and the time of each stage of the recompute. `--quick` uses
10,000 accounts.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import psycopg

from benchmarks import figure, ratio
from dashapp import migrate, services
from dashapp.settings import Settings
from tests.support.database import create_test_database, drop_database

FEATURES = (
    "reports",
    "dashboards",
    "alerts",
    "exports",
    "api",
    "sso",
    "workflows",
    "billing",
    "search",
    "admin",
)
BARE_AGGREGATE = (
    "SELECT account_id, avg(active_users), sum(logins), sum(events), max(sessions) "
    "FROM account_daily_metrics GROUP BY account_id"
)


def _feature_templates(rng: np.random.Generator, count: int = 64) -> list[str]:
    out = []
    for _ in range(count):
        used = rng.choice(len(FEATURES), size=int(rng.integers(1, 6)), replace=False)
        out.append(json.dumps({FEATURES[i]: int(rng.integers(1, 30)) for i in sorted(used)}))
    return out


def _copy_text(conn: psycopg.Connection, statement: str, chunks: Any) -> None:
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for chunk in chunks:
            copy.write(chunk)


def build(url: str, *, accounts: int, days: int, today: date, seed: int = 1) -> dict[str, float]:
    """Fill a migrated database with the benchmark book. Returns how long each part took."""
    rng = np.random.default_rng(seed)
    timings: dict[str, float] = {}
    start = today - timedelta(days=days - 1)
    with psycopg.connect(services.libpq_url(url)) as conn:
        t = time.perf_counter()
        ids = np.arange(1, accounts + 1)
        segments = np.array(["enterprise", "mid-market", "smb"])[ids % 3]
        mrr = np.round(rng.gamma(2.0, 800.0, accounts), 2)
        renew = [(today + timedelta(days=int(d))).isoformat() for d in rng.integers(10, 365, accounts)]
        contract = (start - timedelta(days=400)).isoformat()

        def account_rows() -> Any:
            for lo in range(0, accounts, 20_000):
                hi = min(accounts, lo + 20_000)
                yield "".join(
                    f"{i}\tacct-{i}\tAccount {i}\t{segments[i - 1]}\tgrowth\t{mrr[i - 1]}\t{contract}\t{renew[i - 1]}\n"
                    for i in range(lo + 1, hi + 1)
                )

        _copy_text(
            conn,
            "COPY accounts (id, external_id, name, segment, plan, mrr, contract_start, renewal_date) FROM STDIN",
            account_rows(),
        )
        conn.execute("SELECT setval(pg_get_serial_sequence('accounts', 'id'), %s)", (accounts,))
        timings["accounts"] = time.perf_counter() - t

        t = time.perf_counter()
        templates = np.array(_feature_templates(rng), dtype=object)
        base = rng.gamma(2.0, 6.0, accounts) + 1
        decline = rng.random(accounts) < 0.15  # some accounts fade over the period
        id_text = ids.astype(str).astype(object)

        def metric_rows() -> Any:
            for d in range(days):
                day = (start + timedelta(days=d)).isoformat()
                factor = np.where(decline, 1.0 - 0.7 * d / days, 1.0)
                users = rng.poisson(base * factor)
                present = (users > 0) | (rng.random(accounts) < 0.3)
                sessions = users * 2 + rng.integers(0, 3, accounts)
                logins = users + rng.integers(0, 2, accounts)
                events = users * 15 + rng.integers(0, 20, accounts)
                feats = templates[rng.integers(0, len(templates), accounts)]
                cols = [id_text, np.full(accounts, day, dtype=object), users.astype(str).astype(object),
                        sessions.astype(str).astype(object), logins.astype(str).astype(object),
                        events.astype(str).astype(object), feats]  # fmt: skip
                rows = ["\t".join(r) for r in zip(*(c[present] for c in cols), strict=True)]
                yield "\n".join(rows) + "\n"

        _copy_text(
            conn,
            "COPY account_daily_metrics (account_id, day, active_users, sessions, logins, events, feature_usage) "
            "FROM STDIN",
            metric_rows(),
        )
        timings["daily_metrics"] = time.perf_counter() - t

        t = time.perf_counter()
        n_tickets = accounts * 3
        owners = rng.integers(1, accounts + 1, n_tickets)
        opened = [start + timedelta(days=int(x)) for x in rng.integers(0, days, n_tickets)]
        urgent = rng.random(n_tickets) < 0.1
        buf = io.StringIO()
        for i in range(n_tickets):
            o = datetime.combine(opened[i], datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
            closed = o + timedelta(days=2)
            closed_text = closed.isoformat() if closed.date() <= today else "\\N"
            buf.write(
                f"bt-{i}\t{owners[i]}\t{'urgent' if urgent[i] else 'normal'}\t"
                f"{'closed' if closed_text != chr(92) + 'N' else 'open'}\t{o.isoformat()}\t"
                f"{(o + timedelta(hours=4)).isoformat()}\t{closed_text}\t{1 + i % 5}\n"
            )
        _copy_text(
            conn,
            "COPY support_tickets (external_id, account_id, priority, status, opened_at, first_response_at, "
            "closed_at, csat) FROM STDIN",
            [buf.getvalue()],
        )
        buf = io.StringIO()
        n = 0
        for month in range(0, days, 30):
            issued = datetime.combine(start + timedelta(days=month), datetime.min.time(), tzinfo=UTC)
            failed = rng.random(accounts) < 0.03
            for i in range(accounts):
                paid = "\\N" if failed[i] else (issued + timedelta(days=3)).isoformat()
                status = "failed" if failed[i] else "paid"
                due = (issued + timedelta(days=14)).isoformat()
                buf.write(f"bi-{n}\t{i + 1}\t{mrr[i]}\t{status}\t{issued.isoformat()}\t{due}\t{paid}\n")
                n += 1
        _copy_text(
            conn,
            "COPY invoices (external_id, account_id, amount, status, issued_at, due_at, paid_at) FROM STDIN",
            [buf.getvalue()],
        )
        buf = io.StringIO()
        responders = rng.choice(accounts, size=accounts // 2, replace=False) + 1
        for i, account in enumerate(responders.tolist()):
            when = datetime.combine(
                start + timedelta(days=int(rng.integers(0, days))), datetime.min.time(), tzinfo=UTC
            )
            buf.write(f"bs-{i}\t{account}\tnps\t{int(rng.integers(0, 11))}\t{when.isoformat()}\n")
        _copy_text(
            conn,
            "COPY survey_responses (external_id, account_id, kind, score, responded_at) FROM STDIN",
            [buf.getvalue()],
        )
        timings["other_tables"] = time.perf_counter() - t
        conn.commit()
    with psycopg.connect(services.libpq_url(url), autocommit=True) as conn:
        t = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        timings["vacuum_analyze"] = time.perf_counter() - t
    return timings


def time_bare_aggregate(url: str, repeats: int = 3) -> float:
    best = float("inf")
    with psycopg.connect(services.libpq_url(url)) as conn:
        conn.execute(BARE_AGGREGATE).fetchall()  # warm the cache
        for _ in range(repeats):
            t = time.perf_counter()
            rows = conn.execute(BARE_AGGREGATE).fetchall()
            best = min(best, time.perf_counter() - t)
        assert rows
    return best


def time_recompute(url: str, day: date, repeats: int = 2) -> tuple[float, int, dict[str, float]]:
    from dashapp.scoring import engine
    from dashapp.scoring.stages import Stopwatch
    from models.db import Database

    db = Database(url)
    try:
        # History to explain against: the day before and a month before.
        engine.recompute(db, as_of=day - timedelta(days=30))
        engine.recompute(db, as_of=day - timedelta(days=1))
        best, written, stages = float("inf"), 0, {}
        for _ in range(repeats):
            watch = Stopwatch()
            t = time.perf_counter()
            result = engine.recompute(db, as_of=day, stopwatch=watch)
            elapsed = time.perf_counter() - t
            if elapsed < best:
                best, written, stages = elapsed, result.snapshots, watch.totals()
        return best, written, stages
    finally:
        db.engine.dispose()


def measure(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.score_recompute", description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=None, help="accounts [100,000; 10,000 with --quick]")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--reuse", default=None, help="Use this already-built database instead of building one."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database (prints its URL).")
    args = parser.parse_args(argv or [])
    accounts = args.accounts or (10_000 if args.quick else 100_000)

    today = datetime.now(UTC).date()
    settings = services.resolve(Settings.from_env())
    url = args.reuse or create_test_database(settings.database_url or "", prefix="hd_bench")
    result: dict[str, Any] = {"accounts": accounts, "days": args.days}
    try:
        if not args.reuse:
            migrate.upgrade(url)
            result["build_seconds"] = build(url, accounts=accounts, days=args.days, today=today)
        with psycopg.connect(services.libpq_url(url)) as conn:
            result["rows"] = conn.execute("SELECT count(*) FROM account_daily_metrics").fetchone()[0]
            result["accounts"] = conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
        result["bare_aggregate_seconds"] = round(time_bare_aggregate(url), 3)
        seconds, written, stages = time_recompute(url, today)
        result["recompute_seconds"] = round(seconds, 3)
        result["snapshots_written"] = written
        result["recompute_stages"] = {k: round(v, 3) for k, v in stages.items()}
        result["ratio"] = round(seconds / result["bare_aggregate_seconds"], 2)
    finally:
        if args.keep or args.reuse:
            result["database_url"] = url
        else:
            drop_database(url)
    return result


def run(argv: list[str] | None = None) -> dict[str, Any]:
    """The runner's entry point: figures with units, and the ratio to the bare aggregate."""
    result = measure(argv)
    figures: dict[str, Any] = {
        "daily metric rows": figure(
            result["rows"], "rows", f"{result['accounts']:,} accounts x {result['days']} days"
        ),
        "bare SQL aggregate": figure(
            result["bare_aggregate_seconds"], "s", "avg/sum/max over every row, GROUP BY account"
        ),
        "full recompute of one day": figure(
            result["recompute_seconds"], "s", f"{result['snapshots_written']:,} snapshots written"
        ),
        "recompute vs bare aggregate": ratio(
            result["recompute_seconds"], result["bare_aggregate_seconds"], "aim: under 2x"
        ),
    }
    for stage, seconds in result["recompute_stages"].items():
        figures[f"  {stage}"] = figure(seconds, "s")
    if "database_url" in result:
        figures["database kept"] = figure(result["database_url"])
    return figures


if __name__ == "__main__":
    os.environ.setdefault("HEALTHDASH_ENV", "development")
    from benchmarks.__main__ import table

    started = time.perf_counter()
    print(table("score_recompute", time.perf_counter() - started, run(sys.argv[1:])))
