"""Explore pages at 100,000 accounts: server time of the main callbacks (filter change on Accounts and on
Overview) over HTTP against a trivial callback on the same server, response sizes (no callback ships the
table), and the time for the Overview and Accounts pages to be ready in headless Chromium.

    python -m benchmarks.explore_callbacks [--accounts N] [--repeat N] [--keep-db]

The book (accounts, current health, 13 weekly snapshots each) is written with COPY into a scratch database
that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from benchmarks import percentile
from benchmarks._explore_data import generate
from dashapp import PROJECT_ROOT, migrate
from dashapp.settings import Settings
from tests.support.database import create_test_database, drop_database

PASSWORD = "benchmark-password-123"
EMAIL = "bench@example.com"
CHROMIUM = "/usr/bin/chromium"
FILTERS: list[dict[str, Any]] = [
    {"band": ["red"]},
    {"segment": ["smb"], "plan": ["pro"]},
    {"q": "company 0012"},
    {"score_min": 40, "score_max": 60, "status": "all"},
    {"change30_max": -5, "region": ["EMEA"]},
    {"renewal_within": "90", "band": ["red", "yellow"]},
    {"attrs": "tier=gold, seats>=100"},
    {},
]
SORTS = [
    [{"colId": "score", "sort": "asc"}],
    [{"colId": "arr", "sort": "desc"}],
    [{"colId": "name", "sort": "asc"}],
]


def _label(filters: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in filters.items()) or "no filter"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _controls(page: str, filters: dict[str, Any]) -> tuple[list[dict], list[dict]]:
    keys = ["q", "segment", "plan", "region", "band", "status", "period", "score_min", "score_max"]
    keys += ["change30_max", "renewal_within", "attrs"]
    values, ids = [], []
    for key in keys:
        cid = {"type": "fb", "page": page, "key": key}
        default: Any = [] if key in ("segment", "plan", "region", "band") else None
        values.append({"id": cid, "property": "value", "value": filters.get(key, default)})
        ids.append({"id": cid, "property": "id", "value": cid})
    return values, ids


def _post(http: requests.Session, base: str, body: dict[str, Any]) -> tuple[float, int, int]:
    started = time.perf_counter()
    response = http.post(f"{base}/_dash-update-component", json=body, timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, response.status_code, len(response.content)


def _accounts_body(filters: dict[str, Any], sort: list[dict], start: int) -> dict[str, Any]:
    values, ids = _controls("/accounts", filters)
    outputs = [
        {"id": "accounts-grid", "property": "getRowsResponse"},
        {"id": {"page": "/accounts", "type": "page-query"}, "property": "data"},
        {"id": "fb-errors", "property": "children@" + "x"},
        {"id": "accounts-count", "property": "children"},
    ]
    return {
        "outputs": outputs,
        "inputs": [
            {
                "id": "accounts-grid",
                "property": "getRowsRequest",
                "value": {"startRow": start, "endRow": start + 100, "sortModel": sort},
            }
        ],
        "state": [values, ids, {"id": "acc-columns", "property": "value", "value": None}],
        "changedPropIds": ["accounts-grid.getRowsRequest"],
    }


def _overview_body(filters: dict[str, Any]) -> dict[str, Any]:
    values, ids = _controls("/", filters)
    return {
        "outputs": [
            {"id": "overview-content", "property": "children"},
            {"id": {"page": "/", "type": "page-query"}, "property": "data"},
            {"id": "fb-errors", "property": "children@" + "x"},
        ],
        "inputs": [values, {"id": {"page": "/", "type": "page-theme"}, "property": "data", "value": "light"}],
        "state": [ids],
        "changedPropIds": ['{"key":"band","page":"/","type":"fb"}.value'],
    }


def _trend_body(filters: dict[str, Any]) -> dict[str, Any]:
    values, ids = _controls("/", filters)
    return {
        "output": "ov-bands.figure",
        "outputs": {"id": "ov-bands", "property": "figure"},
        "inputs": [values, {"id": {"page": "/", "type": "page-theme"}, "property": "data", "value": "light"}],
        "state": [ids],
        "changedPropIds": ['{"key":"band","page":"/","type":"fb"}.value'],
    }


def _fill_output_strings(
    http: requests.Session, base: str, body: dict[str, Any], marker: str
) -> dict[str, Any]:
    """Use the registered output string (with Dash's hash for allow_duplicate outputs)."""
    deps = http.get(f"{base}/_dash-dependencies", timeout=30).json()
    dep = next(d for d in deps if marker in d["output"])
    body = dict(body)
    body["output"] = dep["output"]
    parts = dep["output"].strip(".").split("...")
    outputs = body["outputs"] if isinstance(body["outputs"], list) else [body["outputs"]]
    for out, part in zip(outputs, parts, strict=True):
        out["property"] = part.rsplit(".", 1)[1]
    return body


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "healthdash"), "serve", "--port", str(port)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"the server did not start; see {log}")


def _login(base: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = http.post(
        f"{base}/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    http.get(f"{base}/", timeout=30)
    return http


def _browser_ready(base: str, repeat: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
    ]
    times: dict[str, list[float]] = {"overview": [], "accounts": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.wait_for_selector("#kpi-accounts")
        for _ in range(repeat):
            for name, path, ready in (
                ("overview", "/?segment=smb", "#ov-renewals"),
                ("accounts", "/accounts?band=red", ".ag-row[row-index='0'] .score-badge"),
            ):
                page.goto("about:blank")
                started = time.perf_counter()
                page.goto(f"{base}{path}")
                page.wait_for_selector(ready, timeout=30_000)
                times[name].append((time.perf_counter() - started) * 1000)
        browser.close()
    return times


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="explore_callbacks")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="rounds over the filter combinations")
    parser.add_argument("--quick", action="store_true", help="10,000 accounts, fewer rounds")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.accounts, args.repeat = 10_000, 2
    settings = Settings.from_env()
    server_url = settings.database_url or "postgresql://postgres@127.0.0.1:5432/postgres"
    url = create_test_database(server_url, prefix="hd_bench_explore")
    figures: dict[str, Any] = {}
    proc = None
    try:
        migrate.upgrade(url)
        started = time.perf_counter()
        counts = generate(url, args.accounts)
        figures["book"] = f"{counts['accounts']:,} accounts, {counts['snapshots']:,} snapshots"
        figures["generate (COPY)"] = (round(time.perf_counter() - started, 1), "s")
        from dashapp.users import create_user
        from models.db import Database

        database = Database(url)
        with database.transaction() as session:
            create_user(session, email=EMAIL, password=PASSWORD, role="admin", name="Bench")
        database.engine.dispose()

        port = _free_port()
        env = dict(
            os.environ,
            DATABASE_URL=url,
            HEALTHDASH_REDIS_NAMESPACE=f"bench-{uuid.uuid4().hex[:6]}:",
            SECRET_KEY="bench-secret-key-0123456789",
        )
        env.setdefault("REDIS_URL", settings.redis_url or "redis://127.0.0.1:6379/0")
        log = PROJECT_ROOT / "test-artifacts" / "bench-explore-server.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        proc = _serve(env, port, log)
        base = f"http://127.0.0.1:{port}"
        http = _login(base)

        trivial = _fill_output_strings(
            http,
            base,
            {
                "outputs": {"id": "fb-more", "property": "is_open"},
                "inputs": [{"id": "fb-more-toggle", "property": "n_clicks", "value": 1}],
                "state": [{"id": "fb-more", "property": "is_open", "value": False}],
                "changedPropIds": ["fb-more-toggle.n_clicks"],
            },
            "fb-more.is_open",
        )
        accounts_template = _fill_output_strings(
            http, base, _accounts_body({}, SORTS[0], 0), "accounts-grid.getRowsResponse"
        )
        overview_template = _fill_output_strings(http, base, _overview_body({}), "overview-content.children")
        trend_template = _fill_output_strings(http, base, _trend_body({}), "ov-bands.figure")

        figures["load average at start"] = round(os.getloadavg()[0], 1)
        results: dict[str, list[float]] = {"trivial": [], "accounts": [], "overview": [], "trend": []}
        by_filter: dict[str, list[float]] = {}
        sizes: dict[str, list[int]] = {"accounts": [], "overview": []}
        for _ in range(2):  # warm up both workers
            _post(http, base, trivial)
            _post(http, base, {**accounts_template})
            _post(http, base, {**overview_template})
        for round_ in range(args.repeat):
            for i, filters in enumerate(FILTERS):
                ms, status, _ = _post(http, base, trivial)
                assert status == 200
                results["trivial"].append(ms)
                body = _accounts_body(filters, SORTS[(i + round_) % len(SORTS)], 0 if i % 3 else 100)
                body["output"] = accounts_template["output"]
                body["outputs"] = accounts_template["outputs"]
                ms, status, size = _post(http, base, body)
                assert status == 200, status
                results["accounts"].append(ms)
                sizes["accounts"].append(size)
                body = _overview_body(filters)
                body["output"] = overview_template["output"]
                body["outputs"] = overview_template["outputs"]
                ms, status, size = _post(http, base, body)
                assert status == 200, status
                results["overview"].append(ms)
                sizes["overview"].append(size)
                by_filter.setdefault(_label(filters), []).append(ms + results["accounts"][-1])
                body = _trend_body(filters)
                body["output"] = trend_template["output"]
                ms, status, _ = _post(http, base, body)
                assert status == 200, status
                results["trend"].append(ms)
        base_p50 = percentile(results["trivial"], 50)
        figures["trivial callback p50"] = (round(base_p50, 1), "ms")
        figures["trivial callback p95"] = (round(percentile(results["trivial"], 95), 1), "ms")
        for name in ("accounts", "overview"):
            p50, p95 = percentile(results[name], 50), percentile(results[name], 95)
            figures[f"{name} filter change p50"] = (round(p50, 1), "ms")
            figures[f"{name} filter change p95"] = (round(p95, 1), "ms")
            figures[f"{name} p95 / trivial p95"] = (round(p95 / percentile(results["trivial"], 95), 1), "x")
            figures[f"{name} largest response"] = (round(max(sizes[name]) / 1024, 1), "KiB")
        figures["band migration callback p50"] = (round(percentile(results["trend"], 50), 1), "ms")
        figures["band migration callback p95"] = (round(percentile(results["trend"], 95), 1), "ms")
        figures["callback samples each"] = len(results["accounts"])
        for label, values in by_filter.items():
            figures[f"accounts+overview median, {label}"] = (round(statistics.median(values)), "ms")
        browser = _browser_ready(base, max(2, args.repeat // 2 + 1))
        for name, values in browser.items():
            figures[f"{name} page ready p50"] = (round(percentile(values, 50)), "ms")
            figures[f"{name} page ready max"] = (round(max(values)), "ms")
        figures["load average at end"] = round(os.getloadavg()[0], 1)
        return figures
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.keep_db:
            drop_database(url)


if __name__ == "__main__":
    for key, value in run(sys.argv[1:]).items():
        shown = f"{value[0]} {value[1]}" if isinstance(value, tuple) else value
        print(f"{key:34} {shown}")
