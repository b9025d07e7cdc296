"""API benchmark: `GET /api/v1/accounts/{id}/health` against a trivial endpoint (`/api/v1/ping`, the ceiling)
on the same gunicorn server in the same run, and `GET /api/v1/scores` streaming 100,000 accounts.

The server runs as in production (`healthdash serve`, HEALTHDASH_ENV=production, a SECRET_KEY, gunicorn
gthread workers) on a scratch database filled with COPY. Load comes from `wrk` when it is installed
(`apt-get install wrk`), else from an asyncio client in this process; the result says which.

    python -m benchmarks.api_health [--accounts 100000] [--seconds 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import psycopg
import redis

from benchmarks.api_data import external_id, load_book, scratch_database
from benchmarks.api_load import load, which_generator
from dashapp import services
from dashapp.services import libpq_url
from dashapp.settings import Settings

AIM_P95_MS = 20.0
AIM_RATIO = 0.70


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [int(pid) for pid in children]


def _rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "dashapp.cli.entry", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(workers)]
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.log = log

    def wait(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/ping", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _stream_scores(server: Server, token: str, fmt: str) -> dict[str, float]:
    """One streamed request for every account, sampling the workers' memory while it runs."""
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
    start = time.perf_counter()
    first_byte = None
    size = lines = 0
    with urllib.request.urlopen(request, timeout=600) as response:
        while chunk := response.read(65536):
            first_byte = first_byte or time.perf_counter() - start
            size += len(chunk)
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    growth = {pid: peak[pid] - before[pid] for pid in pids}
    busiest = max(growth, key=growth.get) if growth else None
    rows = lines - (1 if fmt == "csv" else 0)
    return {
        "rows": rows,
        "mib": size / 2**20,
        "seconds": seconds,
        "first_byte_s": first_byte or seconds,
        "rows_per_s": rows / seconds,
        "worker_rss_before_mib": before.get(busiest, 0.0) if busiest else 0.0,
        "worker_rss_peak_mib": peak.get(busiest, 0.0) if busiest else 0.0,
        "worker_rss_growth_mib": growth.get(busiest, 0.0) if busiest else 0.0,
    }


def _baseline_query(url: str) -> float:
    """The same rows read straight from PostgreSQL with a server-side cursor: what the stream cannot beat."""
    start = time.perf_counter()
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor(name="baseline") as cur:
        cur.itersize = 2000
        cur.execute(
            "SELECT a.id, a.external_id, a.name, h.score, h.band, h.overridden, h.day, h.delta_7, h.delta_30, "
            "h.delta_90 FROM accounts a LEFT JOIN account_health h ON h.account_id = a.id "
            "WHERE a.churned_at IS NULL ORDER BY a.id"
        )
        for _ in cur:
            pass
    return time.perf_counter() - start


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.api_health", description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=3, help="health snapshots per account")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (production default: 2)")
    args = parser.parse_args(argv)

    settings = services.resolve(Settings.from_env())
    namespace = f"hdbench-{uuid.uuid4().hex[:8]}:"
    result: dict[str, Any] = {
        "load_generator": which_generator(),
        "accounts": args.accounts,
        "connections": args.connections,
        "seconds_per_endpoint": args.seconds,
        "gunicorn_workers": args.workers,
        # The machine may be shared: the 1-minute load average says how busy it was (2 cores here).
        "load_average_before": os.getloadavg()[0],
        "cpus": os.cpu_count(),
    }
    with scratch_database(settings.database_url or "") as url, tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        load_book(url, args.accounts, args.days)
        result["data_copy_s"] = time.perf_counter() - start
        token = _make_token(url)
        env = {
            **os.environ,
            "HEALTHDASH_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": url,
            "REDIS_URL": settings.redis_url or "",
            "HEALTHDASH_REDIS_NAMESPACE": namespace,
            "HEALTHDASH_DATA_DIR": tmp,
            "LOG_LEVEL": "WARNING",
            # Limits stay on (their Redis round trips are part of the cost) but never trip here.
            "API_RATE_LIMIT": "100000000/minute",
            "API_IP_RATE_LIMIT": "100000000/minute",
        }
        server = Server(env, args.workers, Path(tmp) / "server.log")
        try:
            server.wait()
            ping, health = "/api/v1/ping", "/api/v1/accounts/acct-%06d/health"
            for template in (ping, health):  # warm up connections, caches and the pool
                load(server.url, template, args.accounts, token, args.connections, 2)
            result["load_average_at_load_test"] = os.getloadavg()[0]
            result["ceiling_ping"] = load(server.url, ping, 1, token, args.connections, args.seconds)
            result["health"] = load(server.url, health, args.accounts, token, args.connections, args.seconds)
            ceiling = result["ceiling_ping"]["requests_per_s"]
            result["health_vs_ceiling"] = result["health"]["requests_per_s"] / ceiling if ceiling else 0.0
            result["aims_met"] = {
                f"health p95 < {AIM_P95_MS:g} ms": result["health"]["p95_ms"] < AIM_P95_MS,
                f"health >= {AIM_RATIO:.0%} of ceiling": result["health_vs_ceiling"] >= AIM_RATIO,
            }
            result["scores_ndjson"] = _stream_scores(server, token, "ndjson")
            result["scores_csv"] = _stream_scores(server, token, "csv")
            baseline = _baseline_query(url)
            result["scores_baseline_query_s"] = baseline
            result["scores_ndjson_vs_query"] = result["scores_ndjson"]["seconds"] / baseline
            sample = external_id(0)
            with urllib.request.urlopen(
                urllib.request.Request(
                    f"{server.url}/api/v1/accounts/{sample}/health",
                    headers={"Authorization": f"Bearer {token}"},
                )
            ) as response:
                result["health_sample_ok"] = json.loads(response.read())["external_id"] == sample
        finally:
            server.stop()
            client = redis.Redis.from_url(settings.redis_url or "")
            keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
            if keys:
                client.delete(*keys)
    return result


def _report(result: dict[str, Any]) -> str:
    c, h = result["ceiling_ping"], result["health"]
    s, v = result["scores_ndjson"], result["scores_csv"]
    lines = [
        f"load generator: {result['load_generator']}, {result['connections']} connections, "
        f"{result['seconds_per_endpoint']:g} s per endpoint, gunicorn workers: {result['gunicorn_workers']}",
        f"data: {result['accounts']:,} accounts by COPY in {result['data_copy_s']:.1f} s; load average "
        f"{result['load_average_at_load_test']:.1f} on {result['cpus']} CPUs when the load test started",
        f"ceiling GET /api/v1/ping:            {c['requests_per_s']:8.0f} req/s  "
        f"p50 {c['p50_ms']:.1f}  p95 {c['p95_ms']:.1f}  p99 {c['p99_ms']:.1f} ms  (non-2xx {c['non_2xx']})",
        f"GET /api/v1/accounts/{{id}}/health:    {h['requests_per_s']:8.0f} req/s  "
        f"p50 {h['p50_ms']:.1f}  p95 {h['p95_ms']:.1f}  p99 {h['p99_ms']:.1f} ms  (non-2xx {h['non_2xx']})",
        f"health / ceiling throughput: {result['health_vs_ceiling']:.0%}   aims: "
        + ", ".join(f"{k}: {'yes' if ok else 'no'}" for k, ok in result["aims_met"].items()),
        f"GET /api/v1/scores?format=ndjson: {s['rows']:,} rows, {s['mib']:.1f} MiB in {s['seconds']:.2f} s "
        f"(first byte {s['first_byte_s'] * 1000:.0f} ms); worker RSS {s['worker_rss_before_mib']:.0f} -> "
        f"{s['worker_rss_peak_mib']:.0f} MiB (+{s['worker_rss_growth_mib']:.1f})",
        f"GET /api/v1/scores?format=csv:    {v['rows']:,} rows, {v['mib']:.1f} MiB in {v['seconds']:.2f} s; "
        f"worker RSS +{v['worker_rss_growth_mib']:.1f} MiB",
        f"baseline: the same rows straight from PostgreSQL in {result['scores_baseline_query_s']:.2f} s "
        f"(NDJSON stream takes {result['scores_ndjson_vs_query']:.1f}x that)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    outcome = run()
    print(_report(outcome))
    print(json.dumps(outcome, indent=2, default=str))
