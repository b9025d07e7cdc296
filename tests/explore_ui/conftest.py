"""Browser fixtures for the explore pages: the app served from a thread on this run's database (rows
committed, every table emptied afterwards), headless Chromium, console-error capture and screenshots.

Minimal and local to these tests; the shared browser fixtures (`tests/ui/conftest.py`) can replace them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from dashapp import PROJECT_ROOT
from dashapp.queries.options import clear_cache
from models.db import Database
from tests.support.database import truncate_all
from tests.support.factories import PASSWORD, make_account, make_user
from tests.support.health_rows import make_history

pytestmark = pytest.mark.ui
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        pytest.skip("playwright is not installed")
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI")
        pytest.skip("Chromium is missing")
    manager = sync_playwright().start()
    instance = manager.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
    yield instance
    instance.close()
    manager.stop()


@pytest.fixture(scope="session")
def server(app: Flask, browser: Any) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def ui_book(db: Database) -> Iterator[dict[str, Any]]:
    """A committed book: 30 accounts across segments with 95 days of history, and an admin and a viewer."""
    clear_cache()
    today = date.today()
    with db.transaction() as session:
        admin = make_user(session, role="admin", email="ada@example.com", name="Ada Admin")
        viewer = make_user(session, role="viewer", email="vic@example.com", name="Vic Viewer")
        segments = ("enterprise", "mid-market", "smb")
        for i in range(30):
            account = make_account(
                session,
                external_id=f"ui-{i:02d}",
                name=f"{['Acme', 'Bolt', 'Cobalt', 'Dune', 'Echo'][i % 5]} {i:02d}",
                segment=segments[i % 3],
                plan=("starter", "growth", "pro")[(i % 3 == 0 and 2) or i % 2],
                mrr=Decimal(200 + 150 * i),
                renewal_date=today + timedelta(days=10 + 7 * i),
                contract_start=date(today.year - 1, 1 + i % 12, 1),
            )
            start = 20 + 2.5 * i
            slope = (-0.25 if i % 2 else 0.2) * (1 + i % 4)
            scores = [max(1.0, min(99.0, start + slope * d)) for d in range(95)]
            make_history(
                session,
                account,
                scores,
                explanation_text=f"Usage {'fell' if slope < 0 else 'grew'} for account {i}.",
            )
        users = {"admin": admin.email, "viewer": viewer.email}
    yield users
    truncate_all(db.engine)
    clear_cache()


class Problems:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., tuple[Any, Problems]]]:
    contexts: list[Any] = []

    def _new(width: int = 1280, height: int = 900) -> tuple[Any, Problems]:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        problems = Problems()
        problems.attach(page)
        return page, problems

    yield _new
    for context in contexts:
        context.close()


def login(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def settle(page: Any) -> None:
    """Wait until Dash has finished its callbacks (no request in flight, no loading spinner)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")
    page.wait_for_timeout(300)


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
