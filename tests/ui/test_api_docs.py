"""The API reference renders in headless Chromium from the server alone (the shared `page` fixture fails the
test on any request that leaves the server, a console error or a 5xx), "Try it out" works, and it follows a
signed-in user's dark theme with a link back to the app; the API tokens page creates a token in a real
browser."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from dashapp.api import openapi_document
from models.db import Database
from tests.support.factories import make_user
from tests.ui.conftest import ui_login


def test_docs_render_offline_and_try_it_out_works(page: Any, screenshot: Any) -> None:
    page.goto("/api/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    operations = sum(len(ops) for ops in openapi_document()["paths"].values())
    assert page.locator(".opblock").count() == operations
    assert "healthdash API" in page.locator(".info .title").inner_text()
    screenshot(page, "api-docs")
    ping = page.locator("#operations-Meta-ping")
    ping.locator(".opblock-summary").click()
    ping.locator("button.try-out__btn").click()
    ping.locator("button.execute").click()
    status = ping.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=10_000)
    assert "200" in status.inner_text()


def test_tokens_page_creates_a_token_in_the_browser(page: Any, live_db: Database, screenshot: Any) -> None:
    with live_db.transaction() as session:
        email = make_user(session, role="csm").email
    ui_login(page, email)
    page.goto("/settings/tokens")
    page.wait_for_selector("#token-create")
    page.fill("#token-name", "Warehouse sync")
    page.select_option("#token-scope", "write")
    page.fill("#token-expires", "90")
    page.click("#token-create")
    page.wait_for_selector("#token-secret")
    assert page.locator("#token-secret").inner_text().startswith("hd_")
    page.wait_for_selector("#tokens-table")
    assert "Warehouse sync" in page.locator("#tokens-table").inner_text()
    screenshot(page, "settings-tokens")
    page.click("#user-menu")
    assert page.locator("#api-tokens-link").is_visible()


def test_docs_follow_the_users_dark_theme_and_link_back_to_the_app(
    page: Any, live_db: Database, screenshot: Any
) -> None:
    from dashapp.users import set_theme

    with live_db.transaction() as session:
        user = make_user(session, role="viewer")
        set_theme(session, user, "dark")
        email = user.email
    ui_login(page, email)
    page.goto("/api/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(33, 37, 41)", background
    screenshot(page, "api-docs-dark")
    page.get_by_role("link", name="← Back to healthdash").click()
    page.wait_for_selector("#user-menu", state="attached")
    assert urlsplit(page.url).path == "/"
