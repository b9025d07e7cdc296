"""The Churn risk page and the Account page's churn card in headless Chromium: the empty state, then a
trained model's list beside its card, a filter in the URL, and the account card linking to the model card."""

from __future__ import annotations

from typing import Any

import pytest

from dashapp.analytics.churn import service
from models.db import Database
from tests.churn.support import seed_attribute_book
from tests.support.factories import make_user
from tests.support.live_server import LiveServer
from tests.ui.conftest import ui_login
from tests.ui.test_explore import settle

pytestmark = pytest.mark.ui


def test_churn_page_and_account_card_in_the_browser(
    live_server: LiveServer, live_db: Database, page: Any, screenshot: Any
) -> None:
    with live_db.transaction() as session:
        admin = make_user(session, role="admin", name="Ada Admin")
        email = admin.email
        open_ids = seed_attribute_book(session, accounts=300)
    ui_login(page, email)

    page.goto(f"{live_server.url}/churn")
    settle(page)
    assert page.locator("#churn-empty").is_visible()
    assert "healthdash churn train" in page.locator("#churn-empty").inner_text()
    assert page.locator("nav a", has_text="Churn risk").count() == 1
    screenshot(page, "churn-empty")

    with live_db.transaction() as session:
        service.train_model(session)
        service.score_accounts(session)

    page.goto(f"{live_server.url}/churn?segment=smb")
    settle(page)
    card = page.locator("#churn-model-card")
    assert card.is_visible() and "ROC AUC" in card.inner_text() and "Logistic" in card.inner_text()
    page.wait_for_selector(
        "#churn-model-card-calibration .main-svg"
    )  # the figure draws after its callback returns
    rows = page.locator("#churn-risk-table tbody tr")
    assert rows.count() > 5
    assert "Attribute:" in rows.first.inner_text() or "Segment" in rows.first.inner_text()
    screenshot(page, "churn-page")

    page.goto(f"{live_server.url}/accounts/{open_ids[0]}")
    settle(page)
    churn = page.locator("#account-churn")
    assert churn.is_visible() and "chance of churn" in churn.inner_text()
    assert "held-out ROC AUC" in churn.inner_text()
    screenshot(page, "account-churn-card")
    page.locator("#account-churn-card-link").click()
    settle(page)
    assert page.url.endswith("/churn") and page.locator("#churn-model-card").is_visible()
