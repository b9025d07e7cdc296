"""Benchmark: how fast each page is ready, and a filter change, in headless Chromium on the demo book.

A scratch database gets the demo book (`healthdash demo seed`, scored over 35 days); the app runs under
gunicorn (`healthdash serve` settings) and Chromium logs in as the demo admin. Each page is loaded a few
times after one warm-up visit.

- Ready: from the start of navigation to the end of the last Dash callback response the page made
  (`_dash-update-component` in the browser's resource timing), i.e. when its data is on screen. The server
  streams of the alert bell are not counted.
- Slowest callback: the longest single `_dash-update-component` request of the visit.
- Filter change: pressing the "At risk" quick filter on Accounts (and again to release it) until the last
  callback it set off has answered.
- Baseline, same run, same browser and server: the login page, a server-rendered HTML page with the same
  stylesheet and no Dash, from navigation start to its load event. It is what any page on this server and
  browser costs at the least.

Aims (the product's daily-use issue): every page ready in under 1.5 s, every filter change under 300 ms.

    python -m benchmarks page_speed [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import figure, percentile, ratio
from benchmarks._scratch import scratch
from tests.support.live_server import LiveServer

CHROMIUM = "/usr/bin/chromium"
PAGES = (
    "/",
    "/accounts",
    "/accounts/ACME-000001",
    "/alerts",
    "/alerts/rules",
    "/tasks",
    "/churn",
    "/cohorts",
    "/compare",
    "/forecasts",
    "/revenue-impact",
    "/segments",
    "/scorecards",
    "/reports",
    "/views",
)
READY_AIM_MS = 1500.0
FILTER_AIM_MS = 300.0
DEMO_EMAIL, DEMO_PASSWORD = "demo@healthdash.local", "healthdash-demo"
_CALLBACKS = """() => performance.getEntriesByType('resource')
    .filter(e => e.name.includes('/_dash-update-component'))
    .map(e => ({start: e.startTime, end: e.responseEnd, duration: e.duration}))"""
_SETTLED = "() => !document.querySelector('[data-dash-is-loading=\"true\"]')"


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    healthdash = Path(sys.executable).with_name("healthdash")
    subprocess.run(
        [str(healthdash), *args],
        env=env,
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
        timeout=1800,
    )


def _settle(tab: Any) -> None:
    tab.wait_for_load_state("networkidle", timeout=120_000)
    tab.wait_for_function(_SETTLED, timeout=120_000)


def _visit(tab: Any, path: str) -> tuple[float, float]:
    """(ready ms, slowest callback ms) of one visit to `path`."""
    tab.goto(path, timeout=120_000)
    _settle(tab)
    callbacks = tab.evaluate(_CALLBACKS)
    if not callbacks:
        return tab.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd"), 0.0
    return max(c["end"] for c in callbacks), max(c["duration"] for c in callbacks)


def _filter_change(tab: Any) -> float:
    """ms from pressing a quick filter until the last callback it set off has answered."""
    before = len(tab.evaluate(_CALLBACKS))
    pressed = tab.evaluate("() => performance.now()")
    tab.get_by_role("button", name="At risk").click()
    tab.wait_for_function(f"(n) => ({_CALLBACKS})().length > n", arg=before, timeout=120_000)
    _settle(tab)
    after = [c for c in tab.evaluate(_CALLBACKS)[before:] if c["start"] >= pressed]
    return max(c["end"] for c in after) - pressed


def _login_page(tab: Any) -> float:
    tab.goto("/login")
    tab.wait_for_load_state("load")
    return tab.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")


def _measure(url: str, visits: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        _login_page(tab)  # warm-up
        baseline = [_login_page(tab) for _ in range(visits)]
        tab.fill("#email", DEMO_EMAIL)
        tab.fill("#password", DEMO_PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_selector("#user-menu", state="attached", timeout=120_000)
        pages: dict[str, tuple[list[float], list[float]]] = {}
        for path in PAGES:
            _visit(tab, path)  # warm-up: first figures, caches, lazy chunks
            runs = [_visit(tab, path) for _ in range(visits)]
            pages[path] = ([r[0] for r in runs], [r[1] for r in runs])
        filters = []
        _visit(tab, "/accounts")
        for _ in range(visits):
            filters.append(_filter_change(tab))  # presses "At risk"
            filters.append(_filter_change(tab))  # and releases it
        browser.close()
    return {"baseline": baseline, "pages": pages, "filters": filters}


def run(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.page_speed", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="a smaller book and fewer visits")
    parser.add_argument("--accounts", type=int, default=None, help="demo accounts [500; 150 with --quick]")
    parser.add_argument(
        "--visits", type=int, default=None, help="measured visits per page [5; 2 with --quick]"
    )
    args = parser.parse_args(argv or [])
    accounts = args.accounts or (150 if args.quick else 500)
    visits = args.visits or (2 if args.quick else 5)
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing (apt-get install -y chromium)")

    with scratch() as box:
        env = box.env()
        _cli(env, "db", "upgrade")
        _cli(env, "demo", "seed", "--accounts", str(accounts), "--months", "12")
        _cli(env, "scores", "recompute", "--backfill", "35")
        _cli(env, "users", "create", DEMO_EMAIL, "--role", "admin", "--password-stdin", stdin=DEMO_PASSWORD)
        log = Path(tempfile.gettempdir()) / f"healthdash-bench-{box.namespace.rstrip(':')}.log"
        with LiveServer(env, log_path=log, workers=box.base.web_workers) as server:
            measured = _measure(server.url, visits)
        log.unlink(missing_ok=True)
    return _figures(measured, accounts, visits)


def _figures(measured: dict[str, Any], accounts: int, visits: int) -> dict[str, object]:
    baseline = statistics.median(measured["baseline"])
    figures: dict[str, object] = {
        "book": figure(accounts, "accounts", f"demo book, {visits} measured visits per page after a warm-up"),
        "baseline: login page load": figure(round(baseline, 1), "ms", "server-rendered HTML, no Dash"),
    }
    slowest_page, slowest_p95 = "", 0.0
    for path, (ready, callbacks) in measured["pages"].items():
        p50, p95 = percentile(ready, 50), percentile(ready, 95)
        verdict = "meets" if p95 < READY_AIM_MS else "misses"
        figures[f"{path} ready p50"] = figure(round(p50, 1), "ms")
        figures[f"{path} ready p95"] = figure(round(p95, 1), "ms", f"{verdict} the {READY_AIM_MS:.0f} ms aim")
        figures[f"{path} slowest callback"] = figure(round(max(callbacks), 1), "ms")
        if p95 > slowest_p95:
            slowest_page, slowest_p95 = path, p95
    figures["slowest page ready p95"] = figure(round(slowest_p95, 1), "ms", slowest_page)
    figures["slowest page vs login page"] = ratio(slowest_p95, baseline, "ready p95 / baseline median")
    filters = measured["filters"]
    p95 = percentile(filters, 95)
    figures["filter change p50"] = figure(round(percentile(filters, 50), 1), "ms", "Accounts, At risk on/off")
    verdict = "meets" if p95 < FILTER_AIM_MS else "misses"
    figures["filter change p95"] = figure(round(p95, 1), "ms", f"{verdict} the {FILTER_AIM_MS:.0f} ms aim")
    figures["filter change vs login page"] = ratio(p95, baseline, "p95 / baseline median")
    return figures


if __name__ == "__main__":
    for label, value in run(sys.argv[1:]).items():
        print(f"{label}: {value}")
