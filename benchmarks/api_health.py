"""JSON API: `GET /api/v1/accounts/{id}/health` against a trivial endpoint (`GET /api/v1/ping`, the ceiling)
on the same gunicorn server in the same run; `GET /api/v1/scores` streaming every account (time, and the
memory of the worker that serves it, against the same rows read straight from PostgreSQL).

The server runs as in production (`healthdash serve`: HEALTHDASH_ENV=production, a SECRET_KEY, gunicorn
gthread workers, rate limits on but out of reach) on a scratch database filled with COPY. Load comes from
`wrk` when installed (`apt-get install wrk`), else from the shared thread client; the figures say which.

    python -m benchmarks api_health [--quick]
    python -m benchmarks.api_health [--accounts 100000] [--seconds 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import psycopg

from benchmarks import figure, ratio
from benchmarks._api_data import load_book
from benchmarks._api_load import generator, load
from benchmarks._scratch import Scratch, scratch
from dashapp import migrate
from dashapp.services import libpq_url
from tests.support.live_server import LiveServer

AIM_P95_MS = 20.0
AIM_RATIO = 0.70
PING = "/api/v1/ping"
HEALTH = "/api/v1/accounts/acct-%06d/health"


def _make_token(url: str) -> str:
    from dashapp.tokens import create_token
    from dashapp.users import create_user
    from models.db import Database

    db = Database(url)
    try:
        with db.transaction() as session:
            user = create_user(session, email="bench@example.com", password="bench-password", role="viewer")
            return create_token(session, user, name="benchmark").secret
    finally:
        db.engine.dispose()


def _workers(master: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def _stream(server: LiveServer, token: str, fmt: str) -> dict[str, float]:
    """One request for every account, sampling the gunicorn workers' memory every 10 ms meanwhile."""
    assert server.process is not None
    pids = _workers(server.process.pid)
    before = {pid: _rss_mib(pid) for pid in pids}
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], _rss_mib(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    request = urllib.request.Request(
        f"{server.url}/api/v1/scores?format={fmt}", headers={"Authorization": f"Bearer {token}"}
    )
    started = time.perf_counter()
    size = lines = 0
    with urllib.request.urlopen(request, timeout=600) as response:
        while chunk := response.read(65536):
            size += len(chunk)
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    busiest = max(pids, key=lambda pid: peak[pid] - before[pid]) if pids else None
    return {
        "rows": lines - (1 if fmt == "csv" else 0),
        "mib": size / 2**20,
        "seconds": seconds,
        "rss_before": before.get(busiest, 0.0) if busiest else 0.0,
        "rss_peak": peak.get(busiest, 0.0) if busiest else 0.0,
    }


def _raw_query(url: str) -> float:
    """The same rows straight from PostgreSQL through a server-side cursor: the floor for the stream."""
    started = time.perf_counter()
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor(name="baseline") as cur:
        cur.itersize = 2000
        cur.execute(
            "SELECT a.id, a.external_id, a.name, h.score, h.band, h.overridden, h.day, h.delta_7, h.delta_30, "
            "h.delta_90 FROM accounts a LEFT JOIN account_health h ON h.account_id = a.id "
            "WHERE a.churned_at IS NULL ORDER BY a.id"
        )
        for _ in cur:
            pass
    return time.perf_counter() - started


def _measure(box: Scratch, args: argparse.Namespace) -> dict[str, Any]:
    url = box.database_url
    token = _make_token(url)
    env = box.env(
        HEALTHDASH_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY=str(args.workers),
        # Limits stay on (their Redis round trips are part of the cost of every request) but never trip.
        API_RATE_LIMIT="100000000/minute",
        API_IP_RATE_LIMIT="100000000/minute",
    )
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env["HEALTHDASH_DATA_DIR"] = tmp
        with LiveServer(env, log_path=Path(tmp) / "server.log", workers=args.workers) as server:
            for template in (PING, HEALTH):  # warm connections, the pool and prepared statements
                load(server.url, template, args.accounts, token, args.connections, 2)
            out["load_average"] = os.getloadavg()[0]
            out["ping"] = load(server.url, PING, 1, token, args.connections, args.seconds)
            out["health"] = load(server.url, HEALTH, args.accounts, token, args.connections, args.seconds)
            out["ndjson"] = _stream(server, token, "ndjson")
            out["csv"] = _stream(server, token, "csv")
    out["raw_query"] = _raw_query(url)
    return out


def run(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(prog="benchmarks.api_health", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 accounts, 3 s per endpoint")
    parser.add_argument("--accounts", type=int, default=None, help="[100,000; 10,000 with --quick]")
    parser.add_argument("--days", type=int, default=3, help="health snapshots per account")
    parser.add_argument("--seconds", type=float, default=None, help="load per endpoint [10; 3 with --quick]")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (production default: 2)")
    args = parser.parse_args(argv or [])
    args.accounts = args.accounts or (10_000 if args.quick else 100_000)
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)

    with scratch(prefix="hd_bench_api") as box:
        migrate.upgrade(box.database_url)
        started = time.perf_counter()
        load_book(box.database_url, args.accounts, args.days)
        copy_seconds = time.perf_counter() - started
        m = _measure(box, args)

    ping, health, ndjson, csv = m["ping"], m["health"], m["ndjson"], m["csv"]
    share = health["per_second"] / ping["per_second"] if ping["per_second"] else 0.0
    figures: dict[str, object] = {
        "setup": figure(
            f"{args.workers} gunicorn workers x 4 threads, production settings",
            note=f"{args.connections} connections from {generator()}; load average {m['load_average']:.1f} "
            f"on {os.cpu_count()} CPUs",
        ),
        "data (COPY)": figure(round(copy_seconds, 1), "s", f"{args.accounts:,} accounts, {args.days} days"),
    }
    for label, result in (("ping (ceiling)", ping), ("health", health)):
        figures[f"{label} throughput"] = figure(
            round(result["per_second"], 1), "req/s", f"{result['requests']:,} requests"
        )
        for p in (50, 95, 99):
            figures[f"{label} p{p}"] = figure(round(result[f"p{p}_ms"], 2), "ms")
        if result["errors"]:
            figures[f"{label} errors"] = figure(result["errors"], "requests", "non-2xx answers or failures")
    figures["health vs ping throughput"] = ratio(
        health["per_second"],
        ping["per_second"],
        f"aim >= {AIM_RATIO:.2f}: {'met' if share >= AIM_RATIO else 'not met'}",
    )
    met = health["p95_ms"] < AIM_P95_MS
    figures["health p95 aim"] = figure("met" if met else "not met", note=f"aim: p95 < {AIM_P95_MS:g} ms")
    for label, result in (("scores ndjson", ndjson), ("scores csv", csv)):
        figures[f"{label} time"] = figure(
            round(result["seconds"], 2), "s", f"{result['rows']:,} rows, {result['mib']:.1f} MiB"
        )
        figures[f"{label} worker peak RSS"] = figure(
            round(result["rss_peak"], 1),
            "MiB",
            f"+{result['rss_peak'] - result['rss_before']:.1f} MiB while streaming",
        )
    figures["scores raw query"] = figure(
        round(m["raw_query"], 2), "s", "same rows from PostgreSQL, server-side cursor"
    )
    figures["scores ndjson vs raw query"] = ratio(
        ndjson["seconds"], m["raw_query"], "time relative to the raw read"
    )
    return figures


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1:]), indent=2))
