"""The explore pages in headless Chromium: every page in both themes and at phone width, filters in the URL
with back/forward and reload, saving a view and opening its share link without a login, then revoking it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from models.db import Database
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_history
from tests.support.live_server import LiveServer
from tests.ui.conftest import DESKTOP, ui_login

pytestmark = pytest.mark.ui

PAGES = {
    "overview": "/",
    "accounts": "/accounts",
    "account": "/accounts/ui-03",
    "cohorts": "/cohorts?split=segment",
    "compare": "/compare",
    "views": "/views",
}


@pytest.fixture
def ui_book(live_db: Database) -> dict[str, str]:
    """A committed book: 30 accounts across segments with 95 days of history, and an admin and a viewer."""
    today = date.today()
    with live_db.transaction() as session:
        admin = make_user(session, role="admin", name="Ada Admin")
        viewer = make_user(session, role="viewer", name="Vic Viewer")
        segments = ("enterprise", "mid-market", "smb")
        for i in range(30):
            account = make_account(
                session,
                external_id=f"ui-{i:02d}",
                name=f"{['Acme', 'Bolt', 'Cobalt', 'Dune', 'Echo'][i % 5]} {i:02d}",
                segment=segments[i % 3],
                plan="pro" if i % 3 == 0 else ("starter", "growth")[i % 2],
                mrr=Decimal(200 + 150 * i),
                renewal_date=today + timedelta(days=10 + 7 * i),
                contract_start=date(today.year - 1, 1 + i % 12, 1),
            )
            start = 20 + 2.5 * i
            slope = (-0.25 if i % 2 else 0.2) * (1 + i % 4)
            scores = [max(1.0, min(99.0, start + slope * d)) for d in range(95)]
            trend = "fell" if slope < 0 else "grew"
            make_history(session, account, scores, explanation_text=f"Usage {trend} for account {i}.")
        return {"admin": admin.email, "viewer": viewer.email}


@pytest.fixture
def fresh_context(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """Another browser context (no cookies: a visitor without a login), at any viewport."""
    contexts: list[Any] = []

    def _new(width: int = DESKTOP["width"], height: int = DESKTOP["height"]) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server.url)
        context.set_default_timeout(120_000)
        contexts.append(context)
        return context.new_page()

    yield _new
    for context in contexts:
        context.close()


def settle(page: Any) -> None:
    """Wait until Dash has finished its callbacks (no request in flight, no loading spinner)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")
    page.wait_for_timeout(300)


def dropdown(page, page_path: str, key: str):
    return page.locator(f"""[id='{{"key":"{key}","page":"{page_path}","type":"fb"}}']""")


def pick(page, page_path: str, key: str, text: str) -> None:
    """Open a filter dropdown, search for `text` and click that option (as a person would)."""
    dropdown(page, page_path, key).click()
    search = page.locator(".dash-dropdown-content .dash-dropdown-search")
    search.wait_for(state="visible")
    search.fill(text)
    page.locator(".dash-dropdown-content .dash-dropdown-option", has_text=text).first.click()
    page.keyboard.press("Escape")


def test_every_page_in_light_and_dark_without_console_errors(page, ui_book, screenshot) -> None:
    ui_login(page, ui_book["admin"])
    for theme in ("light", "dark"):
        if theme == "dark":
            page.click("#user-menu")
            page.click("#theme-switch")
            page.wait_for_function("() => document.documentElement.getAttribute('data-bs-theme') === 'dark'")
        for name, path in PAGES.items():
            page.goto(path)
            settle(page)
            assert page.locator(".page-title").first.is_visible()
            assert page.evaluate("document.documentElement.getAttribute('data-bs-theme')") == theme
            screenshot(page, f"{name}-{theme}")


def test_phone_width_has_no_horizontal_scroll(page, ui_book, screenshot) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    ui_login(page, ui_book["viewer"])
    for name in ("overview", "accounts", "cohorts"):
        page.goto(PAGES[name])
        settle(page)
        screenshot(page, f"{name}-phone")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name} scrolls sideways by {overflow}px"


def test_filters_live_in_the_url_with_back_forward_and_reload(page, ui_book) -> None:
    ui_login(page, ui_book["viewer"])
    page.goto("/accounts")
    settle(page)
    count = page.locator("#accounts-count")
    everyone = count.inner_text()
    assert everyone.startswith("30 accounts")

    pick(page, "/accounts", "segment", "smb")
    page.wait_for_url(re.compile(r"/accounts\?segment=smb$"))
    page.wait_for_function(
        "() => document.querySelector('#accounts-count')?.innerText.startsWith('10 accounts')"
    )
    pick(page, "/accounts", "band", "green")
    page.wait_for_url(re.compile(r"/accounts\?segment=smb&band=green$"))
    settle(page)
    both = count.inner_text()
    assert "Segment: smb · Band: green" in both

    page.go_back()
    page.wait_for_url(re.compile(r"/accounts\?segment=smb$"))
    page.wait_for_function(
        "() => document.querySelector('#accounts-count')?.innerText.startsWith('10 accounts')"
    )
    assert "green" not in dropdown(page, "/accounts", "band").inner_text()
    page.go_back()
    page.wait_for_url(re.compile(r"/accounts$"))
    page.wait_for_function(
        "() => document.querySelector('#accounts-count')?.innerText.startsWith('30 accounts')"
    )
    page.go_forward()
    page.wait_for_url(re.compile(r"/accounts\?segment=smb$"))
    page.wait_for_function(
        "() => document.querySelector('#accounts-count')?.innerText.startsWith('10 accounts')"
    )

    page.goto("/accounts?segment=smb&band=green")
    settle(page)
    assert count.inner_text() == both  # a reload restores the same view
    assert "smb" in dropdown(page, "/accounts", "segment").inner_text()

    # Sorting by a column is part of the view too.
    page.locator(".ag-header-cell[col-id='arr']").click()
    page.wait_for_url(re.compile(r"sort=arr"))


def test_overview_filter_changes_url_and_content(page, ui_book) -> None:
    ui_login(page, ui_book["viewer"])
    page.goto("/?segment=enterprise")
    settle(page)
    assert page.locator("#kpi-accounts .kpi-value").inner_text() == "10"
    # Band migration arrives from its own callback: three band areas and the average line.
    page.wait_for_function("() => document.querySelectorAll('#ov-bands .scatterlayer .trace').length === 4")
    pick(page, "/", "segment", "smb")
    page.wait_for_url(re.compile(r"/\?segment=enterprise&segment=smb$"))
    page.wait_for_function("() => document.querySelector('#kpi-accounts .kpi-value')?.innerText === '20'")
    page.go_back()
    page.wait_for_function("() => document.querySelector('#kpi-accounts .kpi-value')?.innerText === '10'")


def test_save_view_share_it_and_revoke_it(page, ui_book, fresh_context, live_server, screenshot) -> None:
    ui_login(page, ui_book["admin"])
    page.goto("/accounts?segment=enterprise&sort=-arr")
    settle(page)
    shown = page.locator("#accounts-count").inner_text()
    page.click("#view-open")
    page.fill("#view-name", "Enterprise by ARR")
    page.click("#view-save")
    page.wait_for_selector("#view-save-ok")

    page.goto("/views")
    settle(page)
    assert "Enterprise by ARR" in page.locator("#views-table").inner_text()
    page.select_option("#views-select", label="Enterprise by ARR (Accounts)")
    page.click("#share-create")
    url = page.locator("#share-url").input_value()
    assert "/share/" in url

    anonymous = fresh_context()  # no login, no cookies
    anonymous.goto(url)
    anonymous.wait_for_load_state("networkidle")
    text = anonymous.locator("#shared-view").inner_text()
    assert "Enterprise by ARR" in text and "Shared view · read-only" in anonymous.content()
    assert "10 accounts" in text and shown.startswith("10 accounts")
    assert "Active accounts · Segment: enterprise" in text
    assert anonymous.locator("#shared-accounts tbody tr").count() == 10
    assert anonymous.locator("a[href^='/accounts'], #user-menu, .navbar-nav").count() == 0
    screenshot(anonymous, "share-link")
    # The anonymous visitor cannot use the app itself.
    response = anonymous.request.get(live_server.url + "/_dash-layout")
    assert response.status == 401
    anonymous.goto("/accounts")
    assert "/login" in anonymous.url

    page.wait_for_timeout(200)
    page.select_option("#share-links", index=1)  # 0 is the placeholder
    page.click("#share-revoke")
    page.wait_for_selector("#share-revoked")
    anonymous.goto(url)
    assert "This share link was revoked by its owner." in anonymous.locator("#share-refused").inner_text()
    screenshot(anonymous, "share-link-revoked")


def test_viewer_cannot_share_or_save_team_views(page, ui_book) -> None:
    ui_login(page, ui_book["viewer"])
    page.goto("/")
    settle(page)
    page.click("#view-open")
    assert page.locator("#view-visibility input[value='team']").is_disabled()
    page.goto("/views")
    settle(page)
    assert page.locator("#share-forbidden").is_visible()
