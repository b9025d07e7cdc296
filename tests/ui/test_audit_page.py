"""The audit log page in headless Chromium: filter by actor, action, object type and dates; page through."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.audit import AuditLog
from models.db import Database
from tests.support.factories import make_account, make_user
from tests.ui.conftest import ui_login

pytestmark = pytest.mark.ui


def test_filtering_the_audit_log(page, live_db: Database, screenshot) -> None:
    with live_db.transaction() as session:
        email = make_user(session, role="admin", email="ui-auditor@example.com").email
        account = make_account(session, external_id="audit-acct", name="Audited Co")
        old = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
        session.add_all(
            [
                AuditLog(
                    actor="alice@example.com",
                    action="health.override.set",
                    object_type="account",
                    object_id=str(account.id),
                    details={"score": 40},
                ),
                AuditLog(
                    actor="bob@example.com", action="views.save", object_type="saved_view", object_id="7"
                ),
                AuditLog(
                    at=old,
                    actor="alice@example.com",
                    action="views.save",
                    object_type="saved_view",
                    object_id="8",
                ),
            ]
        )
    ui_login(page, email)
    page.goto("/admin/audit")
    page.wait_for_selector("#audit-table")
    assert "bob@example.com" in page.inner_text("#audit-table")

    page.fill("#audit-actor", "ALICE")
    page.select_option("#audit-action", "health.override.set")
    page.click("#audit-filter")
    page.wait_for_url("**/admin/audit?*actor=ALICE*")
    page.wait_for_selector("#audit-table")
    table = page.inner_text("#audit-table")
    assert "health.override.set" in table and "bob@example.com" not in table and "views.save" not in table
    assert page.input_value("#audit-actor") == "ALICE"  # the filters stay shown
    link = page.locator("#audit-table a", has_text="account")
    assert link.get_attribute("href") == "/accounts/audit-acct"
    screenshot(page, "audit-filtered")

    page.goto("/admin/audit?actor=alice&object_type=saved_view&since=2026-01-01&until=2026-01-31")
    page.wait_for_selector("#audit-table")
    table = page.inner_text("#audit-table")
    assert "views.save" in table and "saved_view 8" in table and "saved_view 7" not in table
    assert "1 entries" in page.inner_text("#audit-where")

    page.goto("/admin/audit?since=soon")
    page.wait_for_selector("#audit-errors")
    assert "since" in page.inner_text("#audit-errors")


def test_the_audit_page_is_for_admins_only(page, live_db: Database) -> None:
    with live_db.transaction() as session:
        email = make_user(session, role="manager", email="ui-manager-audit@example.com").email
    ui_login(page, email)
    page.goto("/admin/audit")
    page.wait_for_selector("#forbidden")
    assert "Not available for your role" in page.inner_text("#forbidden")
    assert page.locator("#audit-table").count() == 0


def test_the_audit_page_passes_axe_in_both_themes_and_at_phone_width(page, live_db: Database) -> None:
    """The page-registry sweep in test_accessibility.py covers /admin/audit too; this checks it with rows,
    a filter error and the pager showing, without running the sweep over every page."""
    from tests.ui.test_accessibility import findings, themes_and_widths

    with live_db.transaction() as session:
        email = make_user(session, role="admin", email="ui-axe-audit@example.com").email
        session.add_all(
            AuditLog(
                actor="alice@example.com", action="views.save", object_type="saved_view", object_id=str(n)
            )
            for n in range(60)
        )
    ui_login(page, email)
    found = []
    for theme, viewport in themes_and_widths(page):
        page.goto("/admin/audit?since=soon")
        page.wait_for_selector("#audit-next")
        found += findings(page, "/admin/audit", theme, viewport["width"])
    assert not found, "\n".join(line for _, _, line in found)
