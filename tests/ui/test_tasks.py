"""The Tasks page and an account's notes in headless Chromium: a CSM closes an overdue task with its
outcome and adds a note that appears on the account's timeline; both pages pass axe-core in both themes
and at phone width with tasks on them (the registry-driven sweep in test_accessibility.py sees /tasks too,
but with an empty list). New tasks are added from the account page (with a playbook's steps) and from the
Tasks page with its account picker."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from models.db import Database
from models.task import AccountNote, Task
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_history
from tests.tasks.support import make_playbook
from tests.ui.conftest import ui_login
from tests.ui.test_accessibility import PHONE, findings, themes_and_widths
from tests.ui.test_explore import settle

pytestmark = pytest.mark.ui


@pytest.fixture
def task_book(live_db: Database) -> dict[str, Any]:
    """A CSM with a scored account, one overdue and one upcoming task; another CSM's task elsewhere."""
    today = date.today()
    with live_db.transaction() as session:
        csm = make_user(session, role="csm", name="Casey CSM")
        other = make_user(session, role="csm", name="Olive Other")
        mine = make_account(session, external_id="task-acme", name="Acme Tools", owner_id=csm.id)
        theirs = make_account(session, external_id="task-bolt", name="Bolt Labs", owner_id=other.id)
        make_history(session, mine, [60.0 - d / 4 for d in range(40)])
        for account, who, title, days in (
            (mine, csm, "Call the sponsor", -3),
            (mine, csm, "Email the billing contact", 2),
            (theirs, other, "Send the QBR deck", 5),
        ):
            session.add(Task(account_id=account.id, assignee_id=who.id, title=title, status="open",
                             source="manual", due_date=today + timedelta(days=days)))  # fmt: skip
        return {"csm": csm.email, "account_id": mine.id}


def test_a_csm_closes_a_task_with_an_outcome_and_adds_a_note(
    page: Any, live_db: Database, task_book: dict[str, Any], screenshot
) -> None:
    ui_login(page, task_book["csm"])
    page.goto("/tasks")
    settle(page)
    rows = page.locator("#tasks-table .task-row")
    assert rows.count() == 2  # mine, not the other CSM's
    late = rows.filter(has_text="Call the sponsor")
    assert "Overdue" in late.inner_text() and "by 3 days" in late.inner_text()
    screenshot(page, "tasks-mine")
    late.get_by_label("Outcome for “Call the sponsor” on Acme Tools").fill("Sponsor renews in May")
    late.get_by_role("button", name="Close").click()
    page.wait_for_selector("#tasks-result:has-text('Sponsor renews in May')")
    assert page.locator("#tasks-table .task-row").count() == 1
    with live_db.transaction() as session:
        task = session.query(Task).filter_by(title="Call the sponsor").one()
        assert (task.status, task.outcome) == ("done", "Sponsor renews in May")

    page.locator("#tasks-view-closed").click()
    page.wait_for_url("**/tasks?view=closed")
    settle(page)
    assert "Sponsor renews in May" in page.locator("#tasks-table").inner_text()

    page.locator("#tasks-table a.task-account").first.click()
    page.wait_for_url("**/accounts/task-acme")
    settle(page)
    assert "Email the billing contact" in page.locator("#account-tasks").inner_text()
    page.get_by_label("Note for the timeline").fill("Agreed a recovery plan with the sponsor")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_selector("#account-note-result:has-text('Note added')")
    timeline = page.locator("#account-timeline").inner_text()
    assert "Agreed a recovery plan with the sponsor" in timeline
    assert "Sponsor renews in May" in timeline  # the closed task's outcome
    screenshot(page, "account-tasks-and-notes")
    with live_db.transaction() as session:
        assert session.query(AccountNote).filter_by(account_id=task_book["account_id"]).count() == 1


def test_tasks_and_account_pages_pass_axe_in_both_themes_and_at_phone_width(
    page: Any, task_book: dict[str, Any], screenshot
) -> None:
    ui_login(page, task_book["csm"])
    found: list[str] = []
    for theme, viewport in themes_and_widths(page):
        for path in ("/tasks", "/tasks?view=overdue", "/accounts/task-acme"):
            page.goto(path)
            settle(page)
            page.locator("details:has(#tasks-new-open), details:has(#account-newtask-open)").evaluate(
                "el => { el.open = true; }"
            )  # the New task form is checked open
            found += [line for _, _, line in findings(page, path, theme, viewport["width"])]
        if viewport is PHONE:
            page.goto("/tasks")
            settle(page)
            # The table scrolls inside its box; the page itself does not grow sideways.
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            screenshot(page, f"tasks-phone-{theme}")
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)


def test_a_csm_adds_tasks_from_the_account_page_and_the_tasks_page(
    page: Any, live_db: Database, task_book: dict[str, Any], screenshot
) -> None:
    with live_db.transaction() as session:
        make_playbook(session, "Win-back (test)")
    ui_login(page, task_book["csm"])
    page.goto("/accounts/task-acme")
    page.locator("#account-newtask-open").click()
    page.get_by_role("button", name="Add task").click()  # no title yet
    page.wait_for_selector("#account-newtask-result:has-text('Not added: title')")
    page.get_by_label("Title", exact=True).fill("Plan the renewal")
    page.get_by_label("Playbook (its steps open too)").select_option(label="Win-back (test)")
    page.get_by_role("button", name="Add task").click()
    page.wait_for_selector("#account-newtask-result:has-text('and 2 playbook step(s)')")
    page.wait_for_selector("#account-tasks:has-text('Plan the renewal')")
    assert "Email the billing contact" in page.locator("#account-tasks").inner_text()
    screenshot(page, "account-new-task")
    with live_db.transaction() as session:
        made = session.query(Task).filter(
            Task.account_id == task_book["account_id"], Task.source == "playbook"
        )
        assert made.count() == 2

    page.goto("/tasks")
    page.locator("#tasks-new-open").click()
    page.get_by_label("Account", exact=True).select_option(label="Acme Tools")
    page.get_by_label("Title", exact=True).fill("Send the health report")
    page.get_by_role("button", name="Add task").click()
    page.wait_for_selector("#tasks-new-result:has-text('Added “Send the health report”')")
    page.wait_for_selector("#tasks-table .task-row:has-text('Send the health report')")
    screenshot(page, "tasks-new-task")
