"""Sustained ingestion through POST /v1/batch vs. a raw PostgreSQL COPY of the same rows, in one run.

The server is `healthdash serve` (gunicorn, production settings: HEALTHDASH_ENV=production, WEB_CONCURRENCY
workers). Several client processes send pre-built batches of 100 messages (the Segment library's default
upload size) over keep-alive connections, so the figure is the server's: HTTP, JSON parsing, validation and
the database write. The baseline COPYs the same rows into `usage_events` (same indexes, empty table).

    python -m benchmarks ingest_http [--quick]
    python -m benchmarks.ingest_http [--events 1000000] [--clients 4] [--batch 100] [--asynchronous-commit]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import multiprocessing as mp
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
from tests.support.live_server import LiveServer

ACCOUNTS = 1_000
USERS_PER_ACCOUNT = 5
FEATURES = ("reports", "dashboards", "alerts", "exports", "search", "api")
START = datetime(2024, 1, 1, tzinfo=UTC)


def _message(n: int) -> dict[str, Any]:
    account = n % ACCOUNTS
    user = f"u{account}-{(n // ACCOUNTS) % USERS_PER_ACCOUNT}"
    at = START + timedelta(seconds=(n * 37) % (30 * 86400))
    return {
        "type": "track",
        "messageId": f"bench-{n}",
        "userId": user,
        "event": "Feature Used" if n % 7 else "Signed In",
        "timestamp": at.isoformat(),
        "context": {
            "groupId": f"acct-{account}",
            "library": {"name": "analytics-python", "version": "2.4.0"},
        },
        "properties": {"feature": FEATURES[n % len(FEATURES)], "duration_ms": n % 5000},
    }


def _bodies(first: int, last: int, batch: int, key: str) -> list[bytes]:
    out = []
    for start in range(first, last, batch):
        messages = [_message(n) for n in range(start, min(last, start + batch))]
        out.append(json.dumps({"batch": messages, "sentAt": START.isoformat(), "writeKey": key}).encode())
    return out


def _client(port: int, bodies: list[bytes], key: str, ready, go, results) -> None:
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    headers = {"Content-Type": "application/json", "Authorization": auth}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    ready.wait()
    go.wait()
    failures = 0
    for body in bodies:
        conn.request("POST", "/v1/batch", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            failures += 1
    conn.close()
    results.put(failures)


def _copy_baseline(url: str, events: int) -> float:
    """Seconds to COPY the same rows (as text, generated beforehand) into the same table."""
    buffer = io.StringIO()
    with psycopg.connect(url) as conn:
        ids = dict(conn.execute("SELECT external_id, id FROM accounts").fetchall())
    for n in range(events):
        m = _message(n)
        props = json.dumps(m["properties"]).replace("\\", "\\\\")
        buffer.write(
            f"{m['messageId']}\t{ids[m['context']['groupId']]}\t{m['context']['groupId']}\t{m['userId']}\t"
            f"track\t{m['event']}\t{m['timestamp']}\t{props}\n"
        )
    data = buffer.getvalue().encode()
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with conn.cursor().copy(
            "COPY usage_events (message_id, account_id, account_external_id, user_external_id, event_type, "
            "event, occurred_at, properties) FROM STDIN"
        ) as copy:
            for offset in range(0, len(data), 1 << 20):
                copy.write(data[offset : offset + (1 << 20)])
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("TRUNCATE usage_events, rollup_pending")
        conn.commit()
    return elapsed


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.ingest_http", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 events instead of 1,000,000")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument(
        "--asynchronous-commit",
        action="store_true",
        help="run the server with the opt-in fast path INGEST_SYNCHRONOUS_COMMIT=false",
    )
    args = parser.parse_args(argv or [])
    args.events = args.events or (100_000 if args.quick else 1_000_000)
    with scratch_install("hd_bench_http") as (settings, env):
        url = pg_url(settings)
        with psycopg.connect(url) as conn:
            with conn.cursor().copy("COPY accounts (external_id, name) FROM STDIN") as copy:
                for a in range(ACCOUNTS):
                    copy.write_row((f"acct-{a}", f"Account {a}"))
            conn.commit()
        copy_seconds = _copy_baseline(url, args.events)
        key = subprocess.run(
            [sys.executable, "-m", "dashapp.cli.entry", "write-keys", "create", "benchmark"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        env.update(
            HEALTHDASH_ENV="production",
            LOG_LEVEL="WARNING",
            INGEST_SYNCHRONOUS_COMMIT="false" if args.asynchronous_commit else "true",
        )
        log = Path(tempfile.gettempdir()) / "healthdash-bench-ingest-http.log"
        with LiveServer(env, log_path=log, workers=args.workers) as server:
            port = int(server.url.rsplit(":", 1)[1])
            share = -(-args.events // args.clients)
            ctx = mp.get_context("fork")
            ready, go, results = ctx.Barrier(args.clients + 1), ctx.Event(), ctx.Queue()
            procs = []
            for c in range(args.clients):
                bodies = _bodies(c * share, min(args.events, (c + 1) * share), args.batch, key)
                procs.append(ctx.Process(target=_client, args=(port, bodies, key, ready, go, results)))
                procs[-1].start()
                del bodies
            ready.wait()
            started = time.perf_counter()
            go.set()
            failures = sum(results.get() for _ in procs)
            http_seconds = time.perf_counter() - started
            for p in procs:
                p.join()
        log.unlink(missing_ok=True)
        with psycopg.connect(url) as conn:
            stored = conn.execute("SELECT count(*) FROM usage_events").fetchone()[0]
            attached = conn.execute(
                "SELECT count(*) FROM usage_events WHERE account_id IS NOT NULL"
            ).fetchone()[0]
    http_rate = args.events / http_seconds
    copy_rate = args.events / copy_seconds
    mode = "asynchronous commit (opt-in)" if args.asynchronous_commit else "synchronous commit (the default)"
    return {
        "setup": figure(
            f"{args.workers} gunicorn workers x 4 threads, production settings",
            note=f"{args.clients} clients, batches of {args.batch}, {mode}",
        ),
        "events sent": figure(args.events, "events", f"stored {stored:,}, attached to accounts {attached:,}"),
        "failed requests": figure(failures, "requests"),
        "POST /v1/batch": figure(round(http_rate), "events/s", f"{http_seconds:.1f} s"),
        "raw COPY (baseline)": figure(
            round(copy_rate), "rows/s", f"{copy_seconds:.1f} s, same rows and table"
        ),
        "HTTP vs COPY": ratio(http_rate, copy_rate, "the aim is at least 0.5"),
    }


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1:]), indent=2))
