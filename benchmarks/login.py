"""Web server throughput: GET /login and an authenticated GET /_dash-layout against /healthz on the same server.

The real app runs under gunicorn (`healthdash serve`, the default worker count) on a throw-away database
of the configured (or embedded) PostgreSQL; a threaded keep-alive client loads each path in turn.
/healthz is the baseline: the smallest request the app answers (no database, no Redis, no session, no
rendering); the login page adds a template and a CSRF session; the shell layout (session, user loaded
from the database, navbar from the page registry) shows what every logged-in page pays before its own
content.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from benchmarks import figure, ratio
from benchmarks._http import LoadResult, load
from benchmarks._scratch import scratch
from dashapp import migrate
from models.db import Database
from tests.support.factories import PASSWORD, make_user
from tests.support.live_server import LiveServer

PATHS = {"healthz": "/healthz", "login page": "/login", "dash layout": "/_dash-layout"}


def _session_cookie(base_url: str, email: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base_url}/login", timeout=30) as response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode())
    if token is None:
        raise RuntimeError("the login page carries no CSRF token")
    form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
    with opener.open(f"{base_url}/login", data=form.encode(), timeout=30):
        pass
    cookies = {c.name: c.value for c in jar}
    if "healthdash_session" not in cookies:
        raise RuntimeError("logging in gave no session cookie")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _measure(server_url: str, cookie: str, requests: int, concurrency: int) -> dict[str, LoadResult]:
    results = {}
    for label, path in PATHS.items():
        headers = {"Cookie": cookie} if label == "dash layout" else {}
        load(
            server_url, path, requests=max(20, requests // 10), concurrency=concurrency, headers=headers
        )  # warm up
        results[label] = load(server_url, path, requests=requests, concurrency=concurrency, headers=headers)
    return results


def run(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(prog="benchmarks.login")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--requests", type=int, default=None, help="requests per path [2000; 300 with --quick]"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv or [])
    requests = args.requests or (300 if args.quick else 2000)

    with scratch() as box:
        base = box.base
        migrate.upgrade(box.database_url)
        db = Database(box.database_url)
        with db.transaction() as session:
            email = make_user(session, role="viewer").email
        db.engine.dispose()
        log = Path(tempfile.gettempdir()) / f"healthdash-bench-{box.namespace.rstrip(':')}.log"
        with LiveServer(box.env(), log_path=log, workers=base.web_workers) as server:
            cookie = _session_cookie(server.url, email)
            results = _measure(server.url, cookie, requests, args.concurrency)
        log.unlink(missing_ok=True)

    baseline = results["healthz"].per_second
    figures: dict[str, object] = {
        "setup": figure(
            f"{base.web_workers} gunicorn workers x 4 threads", note=f"{args.concurrency} client threads"
        ),
    }
    for label, result in results.items():
        figures[f"{label} throughput"] = figure(
            round(result.per_second, 1), "req/s", f"{result.requests} requests"
        )
        figures[f"{label} p50"] = figure(round(result.percentile(50), 2), "ms")
        figures[f"{label} p95"] = figure(round(result.percentile(95), 2), "ms")
        if result.errors:
            figures[f"{label} errors"] = figure(result.errors, "requests", "non-200 answers or failures")
    for label in ("login page", "dash layout"):
        figures[f"{label} vs healthz"] = ratio(
            results[label].per_second, baseline, "throughput relative to /healthz"
        )
    return figures
