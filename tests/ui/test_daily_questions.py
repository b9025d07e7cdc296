"""The daily questions in headless Chromium: quick filters in the URL (reload, back/forward), Sort by ARR and
Back after sorting, the filter drawer on a phone, sharing from the page after Save view, and Delete asking
first on the Views page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.ui.conftest import ui_login
from tests.ui.test_explore import fresh_context, settle, ui_book  # noqa: F401  (fixtures)

pytestmark = pytest.mark.ui


def count(page: Any) -> str:
    return page.locator("#accounts-count").inner_text()


def wait_count(page: Any, prefix: str) -> None:
    page.wait_for_function(
        "(p) => document.querySelector('#accounts-count')?.innerText.startsWith(p)", arg=prefix
    )


def pressed(page: Any) -> dict[str, str | None]:
    buttons = page.locator("#quick-filters button, #acc-sort-arr").all()
    return {b.inner_text(): b.get_attribute("aria-pressed") for b in buttons}


def grid_sort(page: Any) -> list[tuple[str | None, str | None]]:
    cells = page.locator(".ag-header-cell[aria-sort]").all()
    sorts = [(c.get_attribute("col-id"), c.get_attribute("aria-sort")) for c in cells]
    return [s for s in sorts if s[1] != "none"]


def first_row(page: Any) -> str:
    return page.locator(".ag-row[row-index='0'] .ag-cell[col-id='name']").first.inner_text()


def test_quick_filters_combine_live_in_the_url_and_back_works_after_sorting(
    page: Any,
    ui_book: dict[str, str],  # noqa: F811
    screenshot: Any,
) -> None:
    ui_login(page, ui_book["viewer"])
    page.goto("/accounts")
    settle(page)
    wait_count(page, "30 accounts")
    page.get_by_role("button", name="At risk").click()
    page.wait_for_url(re.compile(r"/accounts\?band=red&band=yellow$"))
    settle(page)
    at_risk = count(page)
    assert not at_risk.startswith("30 accounts") and "Band: red or yellow" in at_risk
    # Keyboard: Tab to the next toggle and press Space.
    page.get_by_role("button", name="At risk").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"/accounts\?band=red&band=yellow&renewal_within=90$"))
    settle(page)
    both = count(page)
    assert both != at_risk and "Renewal within the next 90 days" in both
    assert pressed(page)["At risk"] == "true" and pressed(page)["Renewing in 90 days"] == "true"
    assert pressed(page)["My accounts"] == "false"
    screenshot(page, "quick-filters-light")

    page.reload()
    settle(page)
    wait_count(page, both.split(" ")[0])
    assert count(page) == both and pressed(page)["Renewing in 90 days"] == "true"  # reload restores

    by_score = first_row(page)
    page.get_by_role("button", name="Sort by ARR").click()
    page.wait_for_url(re.compile(r"renewal_within=90&sort=-arr$"))
    settle(page)
    assert grid_sort(page) == [("arr", "descending")] and pressed(page)["Sort by ARR"] == "true"
    by_arr = first_row(page)
    assert by_arr != by_score
    page.locator(".ag-header-cell[col-id='name']").click()
    page.wait_for_url(re.compile(r"sort=name$"))
    settle(page)

    # Back undoes one step at a time (the sorts included), and the grid follows the URL.
    page.go_back()
    page.wait_for_url(re.compile(r"sort=-arr$"))
    settle(page)
    assert grid_sort(page) == [("arr", "descending")] and first_row(page) == by_arr
    page.go_back()
    page.wait_for_url(re.compile(r"/accounts\?band=red&band=yellow&renewal_within=90$"))
    settle(page)
    assert grid_sort(page) == [("score", "ascending")] and first_row(page) == by_score
    assert pressed(page)["Sort by ARR"] == "false"
    page.go_back()
    page.wait_for_url(re.compile(r"/accounts\?band=red&band=yellow$"))
    wait_count(page, at_risk.split(" ")[0])
    assert pressed(page)["Renewing in 90 days"] == "false"
    page.go_forward()
    page.wait_for_url(re.compile(r"renewal_within=90$"))
    wait_count(page, both)
    page.go_forward()
    page.wait_for_url(re.compile(r"sort=-arr$"))
    settle(page)
    wait_count(page, both)
    assert grid_sort(page) == [("arr", "descending")] and first_row(page) == by_arr
    page.wait_for_timeout(500)
    assert page.url.endswith("sort=-arr")  # nothing pushed the URL on again

    # A second click turns a quick filter off.
    page.get_by_role("button", name="At risk").click()
    page.wait_for_url(re.compile(r"/accounts\?renewal_within=90&sort=-arr$"))


def test_quick_filters_on_the_overview_in_light_dark_and_phone_width(
    page: Any,
    ui_book: dict[str, str],  # noqa: F811
    screenshot: Any,
) -> None:
    ui_login(page, ui_book["admin"])
    page.goto("/")
    settle(page)
    assert page.locator("#kpi-accounts .kpi-value").inner_text() == "30"
    page.get_by_role("button", name="Dropped 10+ in 30 days").click()
    page.wait_for_url(re.compile(r"/\?change30_max=-10$"))
    page.wait_for_function("() => document.querySelector('#kpi-accounts .kpi-value')?.innerText !== '30'")
    page.get_by_role("button", name="Unowned").click()
    page.wait_for_url(re.compile(r"/\?owner=none&change30_max=-10$"))
    settle(page)
    screenshot(page, "overview-quick-filters-light")
    page.go_back()
    page.wait_for_url(re.compile(r"/\?change30_max=-10$"))
    page.wait_for_function(
        "() => document.querySelector('[aria-pressed=\"true\"]')?.innerText === 'Dropped 10+ in 30 days'"
    )
    page.click("#user-menu")
    page.click("#theme-switch")
    page.wait_for_function("() => document.documentElement.getAttribute('data-bs-theme') === 'dark'")
    page.goto("/accounts?band=red&band=yellow&renewal_within=90")
    settle(page)
    screenshot(page, "quick-filters-dark")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/accounts?band=red&band=yellow&renewal_within=90")
    settle(page)
    screenshot(page, "quick-filters-phone")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1


def test_on_a_phone_the_filters_fold_into_a_drawer_and_the_data_is_on_the_first_screen(
    page: Any,
    ui_book: dict[str, str],  # noqa: F811
    screenshot: Any,
) -> None:
    ui_login(page, ui_book["viewer"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts?band=red&band=yellow")
    settle(page)
    toggle = page.get_by_role("button", name="Show filters")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#fb-drawer").is_visible()
    first = page.locator(".ag-row[row-index='0']").first
    first.wait_for()
    assert first.bounding_box()["y"] < 844, "the first account row is below the first screen"
    screenshot(page, "filters-drawer-closed-phone")

    toggle.click()
    hide = page.get_by_role("button", name="Hide filters")
    hide.wait_for()
    assert hide.get_attribute("aria-expanded") == "true"
    band = page.locator("""[id='{"key":"band","page":"/accounts","type":"fb"}']""")
    assert band.is_visible() and "red" in band.inner_text().lower()
    screenshot(page, "filters-drawer-open-phone")
    hide.click()
    page.get_by_role("button", name="Show filters").wait_for()
    assert not page.locator("#fb-drawer").is_visible()

    page.set_viewport_size({"width": 1280, "height": 900})  # on a desktop: no drawer, the controls show
    page.locator("#fb-drawer").wait_for(state="visible")
    assert not page.locator("#fb-drawer-toggle").is_visible()


def test_save_view_then_share_from_the_page_with_a_copy_button(
    page: Any,
    ui_book: dict[str, str],  # noqa: F811
    fresh_context: Any,  # noqa: F811
    screenshot: Any,
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ui_login(page, ui_book["admin"])
    page.goto("/accounts?band=red&band=yellow&renewal_within=90&sort=-arr")
    settle(page)
    shown = count(page)
    page.click("#view-open")
    page.fill("#view-name", "At risk, renewing")
    page.click("#view-save")
    page.wait_for_selector("#view-save-ok")
    page.locator(".modal.show").wait_for(state="detached")  # the dialog closed itself
    assert "Saved “At risk, renewing”" in page.locator("#view-saved").inner_text()
    page.select_option("#view-link-expiry", "7")
    page.click("#view-link-create")
    url = page.locator("#share-url").input_value()
    assert "/share/" in url and "works until" in page.locator("#share-created").inner_text()
    page.click("#share-copy")
    page.wait_for_function(
        "() => document.querySelector('#share-copied')?.innerText === 'Copied to the clipboard.'"
    )
    assert page.evaluate("navigator.clipboard.readText()") == url
    screenshot(page, "share-from-page")

    anonymous = fresh_context()  # no login
    anonymous.goto(url)
    anonymous.wait_for_load_state("networkidle")
    text = anonymous.locator("#shared-view").inner_text()
    assert "At risk, renewing" in text and shown.split(" · ")[0] in text
    assert "Band: red or yellow · Renewal within the next 90 days" in text


def test_deleting_a_view_asks_first(
    page: Any,
    ui_book: dict[str, str],  # noqa: F811
    screenshot: Any,
) -> None:
    ui_login(page, ui_book["admin"])
    page.goto("/?band=red")
    settle(page)
    page.click("#view-open")
    page.fill("#view-name", "Red book")
    page.click("#view-save")
    page.wait_for_selector("#view-save-ok")
    page.goto("/views")
    settle(page)
    page.select_option("#views-select", label="Red book (Overview)")
    page.click("#views-delete")
    dialog = page.locator(".modal.show")
    dialog.wait_for()
    assert "Delete “Red book” (Overview)?" in dialog.inner_text()
    screenshot(page, "views-delete-confirm")
    page.click("#views-delete-cancel")
    dialog.wait_for(state="detached")
    settle(page)
    assert "Red book" in page.locator("#views-table").inner_text()  # cancelled: still there
    page.click("#views-delete")
    dialog.wait_for()
    page.click("#views-delete-confirm")
    page.wait_for_selector("#views-ok")
    assert "Deleted “Red book”." in page.locator("#views-result").inner_text()
    assert page.locator("#views-empty").is_visible()
