"""Segments and Revenue impact in headless Chromium: in the navbar, charts and tables drawn, a segment's link
opens the Accounts page filtered to it, the re-run button queues a job."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from dashapp.analytics.segment_store import store
from dashapp.analytics.segmentation import segment
from models.billing import Invoice
from models.db import Database
from tests.analytics.test_segmentation import book as feature_book
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_snapshot
from tests.ui.conftest import nav_link, ui_login
from tests.ui.test_explore import settle

pytestmark = pytest.mark.ui

AS_OF = date.today() - timedelta(days=100)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


@pytest.fixture
def analytics_book(live_db: Database) -> dict[str, str]:
    """220 accounts segmented into three known groups; 40 of them scored 100 days ago with invoices since."""
    with live_db.transaction() as session:
        admin = make_user(session, role="admin", name="Ada Admin")
        frame = feature_book()
        ids = {}
        for old in frame.index:
            ids[old] = make_account(session, external_id=f"ui-seg-{old}", name=f"Segmented {old}").id
        frame.index = [ids[i] for i in frame.index]
        store(session, segment(frame, k=3, reruns=3), date.today())
        for i in range(40):
            account = make_account(
                session,
                external_id=f"ui-ri-{i}",
                name=f"Revenue {i}",
                churned_at=_midnight(AS_OF + timedelta(days=30)) if i % 10 in (0, 1) and i < 20 else None,
            )
            score = 5 + i * 2.3
            make_snapshot(session, account, AS_OF, score)
            start = 1000 + 100 * (i % 7)
            end = start * (0.7 if i % 5 == 2 else 1.3 if i % 6 == 5 else 1.0)
            for n, (day, amount) in enumerate(
                ((AS_OF - timedelta(days=5), start), (AS_OF + timedelta(days=85), end))
            ):
                session.add(
                    Invoice(
                        external_id=f"ui-ri-{i}-{n}",
                        account_id=account.id,
                        amount=Decimal(round(amount)),
                        status="paid",
                        issued_at=_midnight(day),
                    )
                )
        return {"admin": admin.email}


def test_segments_page_links_each_segment_to_its_accounts(page, analytics_book, screenshot) -> None:
    ui_login(page, analytics_book["admin"])
    assert nav_link(page, "Revenue impact", group="Analytics").is_visible()
    nav_link(page, "Segments").click()
    page.wait_for_url(re.compile(r"/segments$"))
    settle(page)
    table = page.locator("#segments-table")
    assert "Heavy users, many tickets" in table.inner_text()
    assert "stable: reruns find the same segments" in page.locator("#segments-verdict").inner_text()
    page.wait_for_selector("#segments-profile .main-svg")  # the figure draws after its callback returns
    screenshot(page, "segments-light")

    page.click("#segments-run-button")
    page.wait_for_function(
        "() => document.querySelector('#segments-run-status')?.innerText.startsWith('Queued')"
    )

    heavy = page.locator("tr", has_text="Heavy users, many tickets")
    heavy.get_by_role("link", name="View accounts").click()
    page.wait_for_url(re.compile(r"/accounts\?cluster=2$"))
    page.wait_for_function(
        "() => document.querySelector('#accounts-count')?.innerText.startsWith('60 accounts')"
    )
    settle(page)
    screenshot(page, "accounts-by-segment")


def test_revenue_impact_page_draws_bars_with_intervals_and_counts(page, analytics_book, screenshot) -> None:
    ui_login(page, analytics_book["admin"])
    page.goto("/revenue-impact")
    settle(page)
    headline = page.locator("#revenue-headline").inner_text()
    assert headline.startswith(f"40 accounts scored on {AS_OF.isoformat()}")
    page.wait_for_selector("#revenue-bands .main-svg")  # the figure draws after its callback returns
    page.wait_for_selector("#revenue-deciles .main-svg")  # the figure draws after its callback returns
    rows = page.locator("#revenue-table tbody tr")
    assert rows.count() == 1 + 3 + 10  # whole book, three bands, ten deciles
    assert "Wilson" in page.locator("#revenue-method").inner_text()
    screenshot(page, "revenue-impact-light")

    later = (AS_OF + timedelta(days=1)).isoformat()
    page.fill('[id=\'{"key":"as_of","page":"/revenue-impact","type":"fb"}\']', later)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"as_of={later}"))
    settle(page)
    assert "Nothing to measure yet" in page.locator("#revenue-content").inner_text()
