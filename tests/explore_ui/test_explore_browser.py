"""The explore pages in headless Chromium: every page in both themes, filters in the URL with back/forward and
reload, saving a view and opening its share link without a login, then revoking it."""

from __future__ import annotations

import re

import pytest

from tests.explore_ui.conftest import login, screenshot, settle

pytestmark = pytest.mark.ui

PAGES = {
    "overview": "/",
    "accounts": "/accounts",
    "account": "/accounts/ui-03",
    "cohorts": "/cohorts?split=segment",
    "compare": "/compare",
    "views": "/views",
}


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


def test_every_page_in_light_and_dark_without_console_errors(server, ui_book, new_page) -> None:
    page, problems = new_page()
    login(page, server, ui_book["admin"])
    for theme in ("light", "dark"):
        if theme == "dark":
            page.click("#user-menu")
            page.click("#theme-switch")
            page.wait_for_function("() => document.documentElement.getAttribute('data-bs-theme') === 'dark'")
        for name, path in PAGES.items():
            page.goto(server + path)
            settle(page)
            assert page.locator(".page-title").first.is_visible()
            assert page.evaluate("document.documentElement.getAttribute('data-bs-theme')") == theme
            screenshot(page, f"{name}-{theme}")
    assert problems.errors == []


def test_phone_width_has_no_horizontal_scroll(server, ui_book, new_page) -> None:
    page, problems = new_page(width=375, height=812)
    login(page, server, ui_book["viewer"])
    for name in ("overview", "accounts", "cohorts"):
        page.goto(server + PAGES[name])
        settle(page)
        screenshot(page, f"{name}-phone")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name} scrolls sideways by {overflow}px"
    assert problems.errors == []


def test_filters_live_in_the_url_with_back_forward_and_reload(server, ui_book, new_page) -> None:
    page, problems = new_page()
    login(page, server, ui_book["viewer"])
    page.goto(server + "/accounts")
    settle(page)
    count = page.locator("#accounts-count")
    everyone = count.inner_text()
    assert everyone.startswith("30 accounts")

    pick(page, "/accounts", "segment", "smb")
    page.wait_for_url(re.compile(r"/accounts\?segment=smb$"))
    page.wait_for_function(
        "() => document.querySelector('#accounts-count').innerText.startsWith('10 accounts')"
    )
    pick(page, "/accounts", "band", "green")
    page.wait_for_url(re.compile(r"/accounts\?segment=smb&band=green$"))
    settle(page)
    both = count.inner_text()
    assert "Segment: smb · Band: green" in both

    page.go_back()
    page.wait_for_url(re.compile(r"/accounts\?segment=smb$"))
    page.wait_for_function(
        "() => document.querySelector('#accounts-count').innerText.startsWith('10 accounts')"
    )
    assert "green" not in dropdown(page, "/accounts", "band").inner_text()
    page.go_back()
    page.wait_for_url(re.compile(r"/accounts$"))
    page.wait_for_function(
        "() => document.querySelector('#accounts-count').innerText.startsWith('30 accounts')"
    )
    page.go_forward()
    page.wait_for_url(re.compile(r"/accounts\?segment=smb$"))
    page.wait_for_function(
        "() => document.querySelector('#accounts-count').innerText.startsWith('10 accounts')"
    )

    page.goto(server + "/accounts?segment=smb&band=green")
    settle(page)
    assert count.inner_text() == both  # a reload restores the same view
    assert "smb" in dropdown(page, "/accounts", "segment").inner_text()

    # Sorting by a column is part of the view too.
    page.locator(".ag-header-cell[col-id='arr']").click()
    page.wait_for_url(re.compile(r"sort=arr"))
    assert problems.errors == []


def test_overview_filter_changes_url_and_content(server, ui_book, new_page) -> None:
    page, problems = new_page()
    login(page, server, ui_book["viewer"])
    page.goto(server + "/?segment=enterprise")
    settle(page)
    assert page.locator("#kpi-accounts .kpi-value").inner_text() == "10"
    # Band migration arrives from its own callback: three band areas and the average line.
    page.wait_for_function("() => document.querySelectorAll('#ov-bands .scatterlayer .trace').length === 4")
    pick(page, "/", "segment", "smb")
    page.wait_for_url(re.compile(r"/\?segment=enterprise&segment=smb$"))
    page.wait_for_function("() => document.querySelector('#kpi-accounts .kpi-value').innerText === '20'")
    page.go_back()
    page.wait_for_function("() => document.querySelector('#kpi-accounts .kpi-value').innerText === '10'")
    assert problems.errors == []


def test_save_view_share_it_and_revoke_it(server, ui_book, new_page) -> None:
    page, problems = new_page()
    login(page, server, ui_book["admin"])
    page.goto(server + "/accounts?segment=enterprise&sort=-arr")
    settle(page)
    shown = page.locator("#accounts-count").inner_text()
    page.click("#view-open")
    page.fill("#view-name", "Enterprise by ARR")
    page.click("#view-save")
    page.wait_for_selector("#view-save-ok")

    page.goto(server + "/views")
    settle(page)
    assert "Enterprise by ARR" in page.locator("#views-table").inner_text()
    page.select_option("#views-select", label="Enterprise by ARR (Accounts)")
    page.click("#share-create")
    url = page.locator("#share-url").input_value()
    assert "/share/" in url

    anonymous, anon_problems = new_page()  # a fresh browser context: no login, no cookies
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
    anon_problems.errors.clear()
    response = anonymous.request.get(server + "/_dash-layout")
    assert response.status == 401
    anonymous.goto(server + "/accounts")
    assert "/login" in anonymous.url

    page.wait_for_timeout(200)
    page.select_option("#share-links", index=1)  # 0 is the placeholder
    page.click("#share-revoke")
    page.wait_for_selector("#share-revoked")
    anonymous.goto(url)
    assert "This share link was revoked by its owner." in anonymous.locator("#share-refused").inner_text()
    screenshot(anonymous, "share-link-revoked")
    assert problems.errors == []


def test_viewer_cannot_share_or_save_team_views(server, ui_book, new_page) -> None:
    page, problems = new_page()
    login(page, server, ui_book["viewer"])
    page.goto(server + "/")
    settle(page)
    page.click("#view-open")
    assert page.locator("#view-visibility input[value='team']").is_disabled()
    page.goto(server + "/views")
    settle(page)
    assert page.locator("#share-forbidden").is_visible()
    assert problems.errors == []
