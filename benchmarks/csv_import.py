"""CSV import of event rows: rows/s and peak memory of the importing process, vs. plain SQL loading.

The import runs as `healthdash import events FILE` in a child process (streaming read, validation,
reference lookups, duplicate checks, chunked upserts); its peak RSS comes from the kernel (wait4). The
baseline, in the same run, loads the same file by hand: COPY into a table, one INSERT ... SELECT.

    python -m benchmarks csv_import [--quick]
    python -m benchmarks.csv_import [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from benchmarks import figure, ratio
from benchmarks._ingest_support import pg_url, scratch_install

ACCOUNTS = 1_000
FEATURES = ("reports", "dashboards", "alerts", "exports", "search", "api")
START = datetime(2024, 1, 1, tzinfo=UTC)


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("event_id,account_id,user_id,event,timestamp,feature,plan\n")
        for n in range(rows):
            account = n % ACCOUNTS
            at = (START + timedelta(seconds=(n * 37) % (90 * 86400))).strftime("%Y-%m-%dT%H:%M:%SZ")
            event = "Signed In" if n % 7 == 0 else "Feature Used"
            out.write(f"ev-{n},acct-{account},u{account}-{n % 5},{event},{at},{FEATURES[n % 6]},growth\n")


def _sql_baseline(url: str, path: Path) -> float:
    """The same file loaded by hand in SQL: COPY into a table, then one INSERT ... SELECT into usage_events
    (no validation, no error report, no duplicate check) — what the import adds its checks to."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE bench_copy (event_id text, account_id text, user_id text, event text, "
            "ts timestamptz, feature text, plan text)"
        )
        conn.commit()
        started = time.perf_counter()
        sql = "COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)"
        with conn.cursor().copy(sql) as copy, path.open("rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        conn.execute(
            """INSERT INTO usage_events (message_id, account_id, account_external_id, user_external_id,
                                         event_type, event, occurred_at, properties)
               SELECT b.event_id, a.id, b.account_id, b.user_id, 'track', b.event, b.ts,
                      jsonb_build_object('feature', b.feature, 'plan', b.plan)
               FROM bench_copy b LEFT JOIN accounts a ON a.external_id = b.account_id
               ON CONFLICT (message_id) DO NOTHING"""
        )
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_copy")
        conn.execute("TRUNCATE usage_events")
        conn.commit()
    return elapsed


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.csv_import", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows instead of 1,000,000")
    parser.add_argument("--rows", type=int, default=None)
    args = parser.parse_args(argv or [])
    args.rows = args.rows or (100_000 if args.quick else 1_000_000)
    with scratch_install("hd_bench_csv") as (settings, env), tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        write_file(path, args.rows)
        url = pg_url(settings)
        with psycopg.connect(url) as conn:
            with conn.cursor().copy("COPY accounts (external_id, name) FROM STDIN") as copy:
                for a in range(ACCOUNTS):
                    copy.write_row((f"acct-{a}", f"Account {a}"))
            conn.commit()
        sql_seconds = _sql_baseline(url, path)
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dashapp.cli.entry",
                "import",
                "events",
                str(path),
                "--errors",
                f"{tmp}/errors.csv",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        output = proc.stdout.read().decode() if proc.stdout else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"the import failed: {output}")
        with psycopg.connect(url) as conn:
            stored = conn.execute("SELECT count(*) FROM usage_events").fetchone()[0]
        size = path.stat().st_size
    rate = args.rows / seconds
    sql_rate = args.rows / sql_seconds
    return {
        "rows": figure(args.rows, "rows", f"{size / 2**20:.1f} MB file; stored {stored:,}"),
        "healthdash import events": figure(round(rate), "rows/s", f"{seconds:.1f} s, child process"),
        "peak memory of the import": figure(
            round(usage.ru_maxrss / 1024, 1), "MB", "max RSS (Linux reports KiB)"
        ),
        "plain SQL load (baseline)": figure(
            round(sql_rate), "rows/s", "COPY into a table + INSERT ... SELECT"
        ),
        "import vs plain SQL": ratio(rate, sql_rate, "validation, references, duplicates, error report"),
        "summary": output.strip().splitlines()[0] if output.strip() else "",
    }


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1:]), indent=2))
