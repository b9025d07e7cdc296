"""Browser-test fixtures: the real app under gunicorn, headless Chromium driven by Playwright, screenshots.

- `live_server`: `healthdash serve` on a free port against this run's test database (session scope).
- `live_db`: a `Database` whose transactions COMMIT (the server runs in another process and must see the
  rows); every table is truncated and this run's Redis keys are cleared after each test.
- `page`: a fresh browser context and page; console errors, page errors, failed requests, server errors
  and any request that leaves the live server (a CDN, say) fail the test.
- `screenshot(page, name)`: writes `test-artifacts/screenshots/<name>.png`.
- `ui_login(page, email, password)`: logs in through the real form.

Chromium is /usr/bin/chromium. Without it the tests are skipped locally and fail under CI=true.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis

from dashapp import PROJECT_ROOT
from dashapp.settings import Settings
from models.db import Database
from tests.support.database import truncate_all
from tests.support.factories import PASSWORD
from tests.support.live_server import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DESKTOP = {"width": 1280, "height": 800}


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine; in CI a missing browser is a broken set-up, so fail."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_api() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser(playwright_api: Any) -> Iterator[Any]:
    instance = playwright_api.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield instance
    instance.close()


@pytest.fixture(scope="session")
def live_server(test_env: dict[str, str], browser: Any) -> Iterator[LiveServer]:
    """The app under gunicorn on this run's database. Depends on `browser` so a missing Chromium skips first."""
    # Reports may go to the example addresses the browser tests type.
    env = {**test_env, "REPORT_RECIPIENT_DOMAINS": "example.test"}
    with LiveServer(env, log_path=ARTIFACTS / "live-server.log", workers=1) as server:
        yield server


@pytest.fixture
def live_db(settings: Settings, db: Database) -> Iterator[Database]:
    """Commit rows the live server can see; every table is emptied (and Redis keys dropped) afterwards."""
    yield db
    truncate_all(db.engine)
    client = redis.Redis.from_url(settings.redis_url or "")
    keys = list(client.scan_iter(match=f"{settings.redis_namespace}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def _is_stream(url: str) -> bool:
    return urlsplit(url).path == "/alerts/stream"


@dataclass
class BrowserProblems:
    """What went wrong in the page while a test drove it."""

    base_url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Expect console errors matching `pattern` (e.g. the browser's note on a deliberate 401)."""
        self.allowed.append(re.compile(pattern))

    def on_console(self, message: Any) -> None:
        if message.type != "error" or any(p.search(message.text) for p in self.allowed):
            return
        if "status of 503" in message.text and _is_stream(message.location.get("url", "")):
            return  # the browser's note on the stream cap's 503 (see on_response)
        self.console_errors.append(message.text)

    def on_request(self, request: Any) -> None:
        self.requests.append(request.url)
        if (
            not request.url.startswith((self.base_url + "/", "data:", "blob:"))
            and request.url != self.base_url
        ):
            self.foreign_requests.append(request.url)

    def on_response(self, response: Any) -> None:
        # The live alert stream answers 503 with Retry-After when a process holds its most streams (tabs
        # opened in quick succession before the old streams' heartbeats notice they closed); the bell tries
        # again later. That is back-pressure, not an error.
        if response.status == 503 and _is_stream(response.url) and "retry-after" in response.headers:
            return
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def on_request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        # Navigating away cancels in-flight requests (net::ERR_ABORTED); that is the browser, not the app.
        if "ERR_ABORTED" not in failure:
            self.failed_requests.append(f"{request.method} {request.url}: {failure}")

    def summary(self) -> list[str]:
        found = []
        for label, items in (
            ("console errors", self.console_errors),
            ("page errors", self.page_errors),
            ("failed requests", self.failed_requests),
            ("server errors", self.server_errors),
            ("requests that left the app (CDN?)", self.foreign_requests),
        ):
            if items:
                found.append(f"{label}: " + "; ".join(items[:10]))
        return found


@pytest.fixture
def browser_problems(live_server: LiveServer) -> BrowserProblems:
    return BrowserProblems(base_url=live_server.url)


@pytest.fixture
def page(
    browser: Any, live_server: LiveServer, live_db: Database, browser_problems: BrowserProblems
) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(120_000)
    tab = context.new_page()
    tab.on("console", browser_problems.on_console)
    tab.on("pageerror", lambda exc: browser_problems.page_errors.append(str(exc)))
    tab.on("request", browser_problems.on_request)
    tab.on("response", browser_problems.on_response)
    tab.on("requestfailed", browser_problems.on_request_failed)
    yield tab
    context.close()
    problems = browser_problems.summary()
    if problems:
        pytest.fail("the browser saw problems:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Any, str], Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _take(tab: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return _take


def nav_link(tab: Any, name: str, group: str | None = None) -> Any:
    """The navbar link to a page, opening its dropdown first when the page sits in a `group`."""
    nav = tab.locator("#navbar-collapse")
    if group is not None:
        nav.locator(f"#nav-group-{group.lower()} .dropdown-toggle").click()
    link = nav.get_by_role("link", name=name, exact=True)
    link.wait_for(state="visible")
    return link


def ui_login(tab: Any, email: str, password: str = PASSWORD) -> None:
    """Log in through the form and wait until the shell (navbar and page) has rendered."""
    tab.goto("/login")
    tab.fill("#email", email)
    tab.fill("#password", password)
    tab.click("button[type=submit]")
    tab.wait_for_selector("#user-menu", state="attached")
    tab.wait_for_selector("#_pages_content > *")
