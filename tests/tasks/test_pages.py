"""The Tasks page and the account page's tasks and notes over Dash's HTTP interface: views from the URL,
overdue said in words, closing with an outcome, adding a note to the timeline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.tasks.queries import TaskQuery, list_tasks, local_today
from models.notify import NotificationPreference
from models.task import AccountNote, Task
from tests.support.dash_calls import callback_body, render_page
from tests.support.factories import make_account, make_user

TODAY = date.today()


def _task(session: Session, account, assignee_id: int, title: str, days: int) -> Task:
    task = Task(account_id=account.id, assignee_id=assignee_id, title=title,
                due_date=TODAY + timedelta(days=days), status="open", source="manual")  # fmt: skip
    session.add(task)
    session.flush()
    return task


def test_views_and_closing_a_task_with_its_outcome(client, logged_in, session: Session) -> None:
    csm = logged_in("csm")
    other = make_user(session, role="csm")
    mine = make_account(session, name="Mine Co", owner_id=csm.id)
    theirs = make_account(session, name="Other Co", owner_id=other.id)
    late = _task(session, mine, csm.id, "Call the sponsor", -2)
    _task(session, theirs, other.id, "Send the QBR deck", 3)
    page = json.dumps(render_page(client, "/tasks").json)
    assert "Call the sponsor" in page and "Send the QBR deck" not in page
    assert "Overdue" in page and "by 2 days" in page and "Mine Co" in page
    everyone = json.dumps(render_page(client, "/tasks", "?view=all").json)
    assert "Send the QBR deck" in everyone

    close_id = {"type": "task-close", "id": late.id}
    outcome_id = {"type": "task-outcome", "id": late.id}
    body = callback_body([("tasks-result", "children"), ("tasks-list", "children")], [],
                         [("tasks-view", "view", "mine")])  # fmt: skip
    body["inputs"] = [[{"id": close_id, "property": "n_clicks", "value": 1}]]
    body["changedPropIds"] = [json.dumps(close_id, separators=(",", ":"), sort_keys=True) + ".n_clicks"]
    body["state"] = [
        [{"id": outcome_id, "property": "value", "value": "Sponsor renews in May"}],
        [{"id": outcome_id, "property": "id", "value": outcome_id}],
        {"id": "tasks-view", "property": "data", "value": "mine"},
    ]
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Sponsor renews in May" in response.get_data(as_text=True)
    session.refresh(late)
    assert (late.status, late.outcome, late.closed_by_id) == ("done", "Sponsor renews in May", csm.id)


def test_account_page_shows_open_tasks_and_adds_a_note(client, logged_in, session: Session) -> None:
    csm = logged_in("csm")
    account = make_account(session, external_id="acct-notes", owner_id=csm.id)
    _task(session, account, csm.id, "Email the billing contact", 1)
    page = json.dumps(render_page(client, "/accounts/acct-notes").json)
    assert "Email the billing contact" in page and "account-note-text" in page
    body = callback_body(
        [("account-note-result", "children"), ("account-timeline-box", "children"),
         ("account-note-text", "value")],
        [("account-note-add", "n_clicks", 1)],
        [("account-note-text", "value", "Sponsor agreed a plan"), ("account-id", "children", "acct-notes")],
    )  # fmt: skip
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Sponsor agreed a plan" in response.get_data(as_text=True)
    note = session.scalars(select(AccountNote).where(AccountNote.account_id == account.id)).one()
    assert (note.text, note.author_id) == ("Sponsor agreed a plan", csm.id)


def test_viewers_see_tasks_but_no_close_or_note_controls(client, logged_in, session: Session) -> None:
    logged_in("viewer")
    owner = make_user(session, role="csm")
    account = make_account(session, external_id="acct-viewed", owner_id=owner.id)
    _task(session, account, owner.id, "Call the sponsor", 1)
    page = json.dumps(render_page(client, "/tasks", "?view=all").json)
    assert "Call the sponsor" in page and "task-outcome" not in page
    account_page = json.dumps(render_page(client, "/accounts/acct-viewed").json)
    assert "account-note-text" not in account_page


def test_the_overdue_view_uses_the_viewers_time_zone(session: Session) -> None:
    """At 00:30 in Auckland a task due yesterday there is overdue for an Auckland user; for a UTC user the
    same instant is still the due day."""
    kiwi = make_user(session, role="csm")
    session.add(NotificationPreference(user_id=kiwi.id, timezone="Pacific/Auckland"))
    other = make_user(session, role="csm")
    account = make_account(session, owner_id=kiwi.id)
    task = Task(account_id=account.id, assignee_id=kiwi.id, title="Call back", status="open", source="manual",
                due_date=date(2026, 12, 7))  # fmt: skip
    session.add(task)
    session.flush()
    now = datetime(2026, 12, 7, 11, 30, tzinfo=UTC)
    assert local_today(session, kiwi.id, now) == date(2026, 12, 8)
    assert local_today(session, other.id, now) == date(2026, 12, 7)
    for user, expected in ((kiwi, [task.id]), (other, [])):
        today = local_today(session, user.id, now)
        rows, _more = list_tasks(session, TaskQuery(overdue=True, account_id=account.id), today)
        assert [r.task.id for r in rows] == expected
