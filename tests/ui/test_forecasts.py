"""The Forecasts page and the Account page's forecast in headless Chromium: each chart has its backtest
beside it (on its right, at the same height), the segment switch works, and the navbar links the page."""

from __future__ import annotations

from datetime import date

import pytest

from dashapp.analytics.forecasting import store
from dashapp.analytics.forecasting.series import GROUP_METRICS, SeriesKey
from models.db import Database
from tests.forecasts.book import seed_forecast_book
from tests.support.factories import make_user
from tests.ui.conftest import nav_link, ui_login
from tests.ui.test_explore import settle

pytestmark = pytest.mark.ui


@pytest.fixture
def ui_forecasts(live_db: Database) -> str:
    with live_db.transaction() as session:
        admin = make_user(session, role="admin", name="Ada Admin")
        accounts = seed_forecast_book(session, days=120, prefix="uifc")
        keys = [SeriesKey("book", "all", m) for m in GROUP_METRICS[:3]]
        keys += [SeriesKey("segment", "smb", "avg_score"), SeriesKey("account", str(accounts[0].id), "score")]
        for key in keys:
            store.fit_and_store(session, key, end=date.today())
        return admin.email


def test_forecasts_page_shows_each_forecast_beside_its_evaluation(page, ui_forecasts, screenshot) -> None:
    ui_login(page, ui_forecasts)
    nav_link(page, "Forecasts", group="Analytics").click()
    page.wait_for_url("**/forecasts")
    settle(page)
    cards = page.locator(".forecast-card")
    assert cards.count() == 3
    for i in range(3):
        card = cards.nth(i)
        chart = card.locator(".js-plotly-plot").bounding_box()
        evaluation = card.locator(".forecast-evaluation").bounding_box()
        assert chart and evaluation
        assert evaluation["x"] >= chart["x"] + chart["width"] - 5  # to the right of the chart
        assert evaluation["y"] < chart["y"] + chart["height"]  # at the same height, not below it
        verdict = card.locator(".forecast-verdict").inner_text()
        assert verdict in ("Beats naive", "Does not beat naive")
        assert "MASE" in card.locator(".forecast-note").inner_text()
    assert page.locator("#forecast-accounts").inner_text().count("Forecast Co 0") == 1
    screenshot(page, "forecasts-book")

    page.select_option("#forecasts-scope", "segment:smb")
    page.wait_for_function("() => document.querySelectorAll('.forecast-card').length === 1")
    settle(page)
    assert "segment smb" in page.locator(".forecast-card").inner_text()
    page.select_option("#forecasts-horizon", "90")
    page.wait_for_function("() => document.querySelector('.forecast-card').innerText.includes('90-day')")
    settle(page)
    screenshot(page, "forecasts-smb-90")

    page.click("#forecasts-run")
    page.wait_for_function(
        "() => document.querySelector('#forecasts-run-message').innerText.startsWith('Queued')"
    )


def test_account_page_shows_its_health_forecast(page, ui_forecasts, screenshot) -> None:
    ui_login(page, ui_forecasts)
    page.goto("/accounts/uifc-0")
    settle(page)
    block = page.locator("#account-forecast")
    assert block.is_visible() and block.locator(".forecast-evaluation").is_visible()
    block.scroll_into_view_if_needed()
    screenshot(page, "account-forecast")
    page.goto("/accounts/uifc-3")
    settle(page)
    assert page.locator("#account-forecast-none").is_visible()
