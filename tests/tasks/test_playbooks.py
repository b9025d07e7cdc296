"""An alert opening for a rule that names a playbook opens the playbook's steps as tasks for the account
owner, due from the alert's opened time; a re-run creates nothing new; each task is one `task.created`
webhook event. A task made by hand may open a playbook too."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.alerts import notifications, outbox
from dashapp.alerts.evaluate import evaluate
from dashapp.notify.endpoints import create_endpoint
from dashapp.tasks.playbooks import list_playbooks, open_playbook_tasks
from dashapp.tasks.service import TaskError, create_task
from models.alert import AlertRule
from models.db import Database
from models.notify import WebhookDelivery
from models.task import Task
from tests.alerts.support import NOW
from tests.support.factories import make_account, make_user
from tests.support.jobs import committed_database
from tests.tasks.support import make_playbook, open_alert, playbook_rule


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_migration_ships_two_playbooks_run_by_the_default_rules(server_settings) -> None:
    """On a freshly migrated database (other tests empty the shared one)."""
    with committed_database(server_settings, "hd_tasks_defaults") as url:
        fresh = Database(url)
        try:
            with fresh.transaction() as session:
                books = {p.name: p for p in list_playbooks(session)}
                rules = dict(session.execute(select(AlertRule.id, AlertRule.name)).all())
        finally:
            fresh.engine.dispose()
    assert [(s.title, s.due_days) for s in books["Payment failed"].steps] == [
        ("Email the billing contact", 1),
        ("Call the sponsor", 2),
    ]
    assert [rules[i] for i in books["Payment failed"].rule_ids] == ["Payment failed"]
    assert [rules[i] for i in books["Account turned red"].rule_ids] == ["Band changed to red"]


def test_an_alert_opens_the_playbook_as_tasks_once_with_a_webhook_per_task(session: Session) -> None:
    admin = make_user(session, role="admin")
    create_endpoint(session, admin, url="https://hooks.example.test/tasks", events=["task.created"])
    owner = make_user(session, role="csm")
    account = make_account(session, owner_id=owner.id)
    rule = playbook_rule(session)
    alert = open_alert(session, rule, account)

    batch = outbox.dispatch(session, NOW)
    recorded = notifications.record(session, batch, NOW)
    tasks = session.scalars(select(Task).where(Task.alert_id == alert.id).order_by(Task.due_date)).all()
    assert [(t.title, t.due_date, t.assignee_id, t.source) for t in tasks] == [
        ("Email the billing contact", date(2026, 6, 16), owner.id, "playbook"),
        ("Call the sponsor", date(2026, 6, 17), owner.id, "playbook"),
    ]
    assert recorded.task_ids == sorted(t.id for t in tasks)
    hooks = session.scalars(select(WebhookDelivery).where(WebhookDelivery.event_type == "task.created")).all()
    assert sorted(h.payload["data"]["task"]["id"] for h in hooks) == recorded.task_ids
    assert {h.payload["data"]["account"]["external_id"] for h in hooks} == {account.external_id}

    # Re-evaluating, dispatching again and even replaying the opening directly add nothing.
    evaluate(session, NOW, rule_ids=[rule.id])
    again = notifications.record(session, outbox.dispatch(session, NOW), NOW)
    assert again.task_ids == [] and open_playbook_tasks(session, [alert.id], now=NOW) == []
    assert _count(session, Task) == 2
    assert len(session.scalars(select(WebhookDelivery)).all()) == len(hooks)


def test_rules_without_a_playbook_open_no_tasks(session: Session) -> None:
    account = make_account(session, owner_id=make_user(session, role="csm").id)
    rule = playbook_rule(session)
    rule.playbook_id = None
    alert = open_alert(session, rule, account)
    assert open_playbook_tasks(session, [alert.id], now=NOW) == []


def test_a_task_made_by_hand_can_open_a_playbook_for_the_same_person(session: Session) -> None:
    csm = make_user(session, role="csm")
    account = make_account(session, owner_id=csm.id)
    playbook = make_playbook(session, "Rescue (by hand)")
    created = create_task(
        session,
        csm,
        account_id=account.id,
        title="Kick-off call",
        due=NOW.date(),
        playbook_id=playbook.id,
        now=NOW,
    )
    assert [(t.title, t.due_date, t.assignee_id, t.source) for t in created.step_tasks] == [
        ("Email the billing contact", NOW.date() + timedelta(days=1), csm.id, "playbook"),
        ("Call the sponsor", NOW.date() + timedelta(days=2), csm.id, "playbook"),
    ]
    before = session.scalar(select(func.count()).select_from(Task))
    with pytest.raises(TaskError) as refused:
        create_task(
            session, csm, account_id=account.id, title="x", due=NOW.date(), playbook_id=999_999, now=NOW
        )
    assert refused.value.field == "playbook_id"
    assert session.scalar(select(func.count()).select_from(Task)) == before
