"""The Alert rules page in headless Chromium: a manager creates a rule, sees a validation error naming the
field (nothing saved), corrects it and saves; disables a rule with its switch; the page with the form open
passes axe-core in both themes and at phone width. A viewer sees no form."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from models.alert import AlertRule
from models.db import Database
from tests.alerts.support import make_rule
from tests.support.factories import make_user
from tests.ui.conftest import ui_login
from tests.ui.test_accessibility import PHONE, findings, themes_and_widths
from tests.ui.test_explore import settle

pytestmark = pytest.mark.ui


@pytest.fixture
def people(live_db: Database) -> dict[str, str]:
    with live_db.transaction() as session:
        manager = make_user(session, role="manager", name="Mona Manager")
        viewer = make_user(session, role="viewer")
        make_rule(session, "no_login", {"days": 14}, name="Gone quiet")
        return {"manager": manager.email, "viewer": viewer.email}


def _rules_named(live_db: Database, name: str) -> int:
    with live_db.transaction() as session:
        return session.scalar(select(func.count()).where(AlertRule.name == name)) or 0


def test_a_manager_creates_a_rule_after_a_validation_error(
    page: Any, live_db: Database, people: dict[str, str], screenshot
) -> None:
    ui_login(page, people["manager"])
    page.goto("/alerts/rules")
    page.locator("#rules-table").wait_for()
    page.get_by_role("button", name="New rule").click()
    page.locator("#rule-form-collapse.show").wait_for()
    page.get_by_label("Name", exact=True).fill("Sharp drop")
    page.get_by_label("Kind", exact=True).select_option("score_drop")
    points = page.get_by_label("Points", exact=True)
    points.wait_for()
    points.fill("150")
    page.get_by_label("Severity", exact=True).select_option("critical")
    page.get_by_label("email", exact=True).check()
    page.get_by_role("button", name="Save rule").click()
    error = page.locator("#rule-errors-list")
    error.wait_for()
    assert "Points (parameter) (params.points)" in error.inner_text()
    screenshot(page, "alert-rule-form-error")
    assert _rules_named(live_db, "Sharp drop") == 0
    points.fill("15")
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_selector("#rule-result:has-text('Saved the rule “Sharp drop”')")
    page.locator("#rules-table .rule-row", has_text="Sharp drop").wait_for()
    with live_db.transaction() as session:
        rule = session.scalars(select(AlertRule).where(AlertRule.name == "Sharp drop")).one()
        assert (rule.kind, rule.params, rule.severity) == (
            "score_drop",
            {"points": 15.0, "days": 7},
            "critical",
        )
        assert rule.channels == ["in_app", "email"] and rule.enabled

    page.get_by_label("Enabled: Gone quiet").uncheck()
    page.wait_for_selector("#rule-result:has-text('“Gone quiet” is disabled')")
    with live_db.transaction() as session:
        quiet = session.scalars(select(AlertRule).where(AlertRule.name == "Gone quiet")).one()
        assert quiet.enabled is False

    page.get_by_role("button", name="Edit Sharp drop").click()
    page.locator("#rule-form-title:has-text('Edit rule')").wait_for()
    assert page.get_by_label("Points", exact=True).input_value() == "15"
    page.get_by_label("Cooldown (hours)", exact=True).fill("6")
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_selector("#rule-result:has-text('Saved the rule')")
    with live_db.transaction() as session:
        assert (
            session.scalars(select(AlertRule.cooldown_hours).where(AlertRule.name == "Sharp drop")).one() == 6
        )


def test_the_rules_page_with_its_form_passes_axe_and_viewers_get_no_form(
    page: Any, people: dict[str, str], screenshot
) -> None:
    ui_login(page, people["manager"])
    found: list[str] = []
    for theme, viewport in themes_and_widths(page):
        page.goto("/alerts/rules")
        page.get_by_role("button", name="New rule").click()
        page.locator("#rule-form-collapse.show").wait_for()
        page.get_by_role("button", name="Save rule").click()  # an empty name: the error state
        page.locator("#rule-errors-list").wait_for()
        settle(page)
        found += [line for _, _, line in findings(page, "/alerts/rules (form)", theme, viewport["width"])]
        if viewport is PHONE:
            screenshot(page, f"alert-rules-form-phone-{theme}")
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)
    page.context.clear_cookies()
    ui_login(page, people["viewer"])
    page.goto("/alerts/rules")
    page.locator("#rules-table").wait_for()
    assert page.locator("#rule-new").count() == 0
