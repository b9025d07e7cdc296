"""The API reference renders in headless Chromium from the server alone (no CDN), and "Try it out" works;
the API tokens page creates a token in a real browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashapp.api import openapi_document
from models.db import Database
from tests.api.conftest import ARTIFACTS
from tests.support.factories import PASSWORD, make_user

pytestmark = [pytest.mark.ui, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update"]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, api_server) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A page whose requests may only go to the server: anything else is recorded and aborted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=api_server.url)
    foreign: list[str] = []
    errors: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(api_server.url + "/") or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            foreign.append(url)
            request_route.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield tab, foreign, errors
    context.close()


def test_docs_render_offline_and_try_it_out_works(page) -> None:
    tab, foreign, errors = page
    tab.goto("/api/docs")
    tab.wait_for_selector(".opblock", timeout=20_000)
    operations = sum(len(ops) for ops in openapi_document()["paths"].values())
    assert tab.locator(".opblock").count() == operations
    assert "healthdash API" in tab.locator(".info .title").inner_text()
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "screenshots" / "api-docs-top.png"))
    ping = tab.locator("#operations-Meta-ping")
    ping.locator(".opblock-summary").click()
    ping.locator("button.try-out__btn").click()
    ping.locator("button.execute").click()
    tab.wait_for_selector(
        "#operations-Meta-ping .live-responses-table tbody .response-col_status", timeout=10_000
    )
    assert "200" in ping.locator(".live-responses-table tbody .response-col_status").first.inner_text()
    tab.screenshot(path=str(ARTIFACTS / "screenshots" / "api-docs-try-it-out.png"))
    assert foreign == [], f"requests left the server: {foreign}"
    assert errors == [], errors


def test_tokens_page_creates_a_token_in_the_browser(page, committed: Database) -> None:
    tab, foreign, errors = page
    with committed.transaction() as session:
        email = make_user(session, role="csm").email
    tab.goto("/login?next=/settings/tokens")
    tab.fill("input[name=email]", email)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_selector("#token-create")
    tab.fill("#token-name", "Warehouse sync")
    tab.select_option("#token-scope", "write")
    tab.fill("#token-expires", "90")
    tab.click("#token-create")
    tab.wait_for_selector("#token-secret")
    secret = tab.locator("#token-secret").inner_text()
    assert secret.startswith("hd_")
    tab.wait_for_selector("#tokens-table")
    assert "Warehouse sync" in tab.locator("#tokens-table").inner_text()
    tab.screenshot(path=str(ARTIFACTS / "screenshots" / "settings-tokens.png"), full_page=True)
    assert foreign == [] and errors == []
