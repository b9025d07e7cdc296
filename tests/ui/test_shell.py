"""The app in a real browser: login, the Overview's figures, theme, roles, logout, 404, phone width."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from models.db import Database
from tests.support.factories import make_account, make_user, utc
from tests.support.live_server import LiveServer
from tests.ui.conftest import nav_link, ui_login

pytestmark = pytest.mark.ui

BOOTSTRAP_PRIMARY = "rgb(13, 110, 253)"


def _users(db: Database, *roles: str) -> dict[str, str]:
    with db.transaction() as session:
        return {role: make_user(session, role=role).email for role in roles}


def _book(db: Database) -> None:
    """Three active accounts (ARR 12k + 30k + 48k = 90k) and one churned account that must not count."""
    with db.transaction() as session:
        make_account(session, segment="enterprise", mrr=Decimal("4000.00"))
        make_account(session, segment="smb", mrr=Decimal("1000.00"))
        make_account(session, segment="smb", mrr=Decimal("2500.00"))
        make_account(session, segment="smb", mrr=Decimal("5000.00"), churned_at=utc(2025, 6, 1))


def _theme(page: Any) -> str:
    return page.evaluate("document.documentElement.getAttribute('data-bs-theme')")


def test_login_page_is_styled_from_local_assets(
    page: Any, live_server: LiveServer, browser_problems, screenshot
) -> None:
    page.goto("/login")
    button = page.locator("button[type=submit]")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == BOOTSTRAP_PRIMARY
    assert page.locator("#email").evaluate("e => getComputedStyle(e).borderRadius") != "0px"
    assert f"{live_server.url}/assets/00_bootstrap.min.css" in browser_problems.requests
    assert all(url.startswith(live_server.url) for url in browser_problems.requests)
    screenshot(page, "login")


def test_wrong_password_shows_the_error_and_stays_logged_out(
    page: Any, live_db: Database, browser_problems
) -> None:
    email = _users(live_db, "csm")["csm"]
    browser_problems.allow(r"status of 401")  # the browser notes the 401 answer to a failed login
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    assert "Wrong email or password" in page.locator("#login-error").inner_text()
    page.goto("/")
    assert page.url.split("?")[0].endswith("/login")


def test_overview_shows_the_book_and_the_dark_theme_is_remembered(
    page: Any, live_db: Database, screenshot
) -> None:
    email = _users(live_db, "manager")["manager"]
    _book(live_db)
    ui_login(page, email)
    # the page runs under the app's Content-Security-Policy (any violation would be a console error)
    policy = page.request.get(page.url).headers.get("content-security-policy", "")
    assert (
        "frame-ancestors 'none'" in policy
        and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )
    assert page.locator("#kpi-arr .kpi-value").inner_text() == "$90.0k"
    assert page.locator("#kpi-accounts .kpi-value").inner_text() == "3"  # active accounts by default
    assert "0 scored" in page.locator("#kpi-accounts").inner_text()
    page.wait_for_selector("#ov-dist .main-svg")
    page.goto("/?status=churned")
    page.wait_for_function("document.querySelector('#kpi-accounts .kpi-value')?.innerText === '1'")
    page.goto("/")
    page.wait_for_selector("#ov-dist .main-svg")
    assert _theme(page) == "light"
    screenshot(page, "overview-light")

    page.click("#user-menu")
    page.click("#theme-switch")
    page.wait_for_function("document.documentElement.getAttribute('data-bs-theme') === 'dark'")
    page.click("body", position={"x": 5, "y": 300})  # close the menu before the screenshot
    page.wait_for_timeout(300)  # let the charts redraw in the dark template
    screenshot(page, "overview-dark")

    page.reload()
    page.wait_for_selector("#kpi-arr")
    assert _theme(page) == "dark"

    page.click("#user-menu")
    page.click("#logout-link")
    page.wait_for_url("**/login")
    ui_login(page, email)
    assert _theme(page) == "dark"


def test_viewer_sees_no_users_link_and_is_refused_the_admin_page(page: Any, live_db: Database) -> None:
    email = _users(live_db, "viewer")["viewer"]
    ui_login(page, email)
    nav = page.locator("#navbar-collapse")
    assert nav.get_by_role("link", name="Overview").is_visible()
    assert nav.get_by_role("link", name="Users").count() == 0
    assert page.locator("#nav-group-admin").count() == 0
    page.goto("/admin/users")
    assert "Not available for your role" in page.locator("#forbidden").inner_text()
    assert page.locator("#users-table").count() == 0


def test_admin_sees_the_users_page(page: Any, live_db: Database) -> None:
    email = _users(live_db, "admin")["admin"]
    ui_login(page, email)
    nav_link(page, "Users", group="Admin").click()
    page.wait_for_selector("#users-table")
    assert email in page.locator("#users-table").inner_text()


def test_logout_returns_to_the_login_page_and_locks_the_app(page: Any, live_db: Database) -> None:
    email = _users(live_db, "csm")["csm"]
    ui_login(page, email)
    page.click("#user-menu")
    page.click("#logout-link")
    page.wait_for_url("**/login")
    page.goto("/")
    assert "/login?next=" in page.url
    assert page.locator("#email").is_visible()


def test_unknown_address_shows_the_404_page(page: Any, live_db: Database, screenshot) -> None:
    email = _users(live_db, "viewer")["viewer"]
    ui_login(page, email)
    page.goto("/no/such/page")
    assert "Page not found" in page.locator("#not-found").inner_text()
    screenshot(page, "not-found")
    page.get_by_text("Go to the overview").click()
    page.wait_for_selector("#_pages_content .page-title")
    assert page.locator(".page-title").inner_text() == "Overview"


def test_phone_width_collapses_the_navbar_behind_its_toggler(
    page: Any, live_db: Database, screenshot
) -> None:
    email = _users(live_db, "admin")["admin"]
    _book(live_db)
    page.set_viewport_size({"width": 375, "height": 740})
    ui_login(page, email)
    toggler = page.locator("#navbar-toggler")
    overview_link = page.locator("#navbar-collapse").get_by_role("link", name="Overview")
    assert toggler.is_visible()
    assert not overview_link.is_visible()
    toggler.click()
    overview_link.wait_for(state="visible")
    # the menu has finished opening (no collapse transition running) before we reach into it
    page.wait_for_function(
        "document.querySelector('#navbar-collapse').classList.contains('show')"
        " && !document.querySelector('.navbar .collapsing')"
    )
    users_link = nav_link(page, "Users", group="Admin")
    screenshot(page, "overview-phone-menu")
    users_link.click()
    page.wait_for_selector("#users-table")
    # following a link closes the menu again
    page.wait_for_function("!document.querySelector('#navbar-collapse').classList.contains('show')")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at phone width ({width}px)"
