"""Through the real jobs (a real RQ worker on the real Redis): an alert of a rule with a playbook opens its
steps as tasks in the dispatch job, each a `task.created` webhook delivery; a second evaluation and
dispatch create nothing new."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from dashapp.notify.endpoints import create_endpoint
from dashapp.settings import Settings
from jobs.alerts import run_evaluation
from models.db import Database
from models.job import JobRun
from models.notify import WebhookDelivery
from models.task import Task
from tests.alerts.support import NOW
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_health
from tests.support.jobs import committed_database, drain, job_database, worker_environment
from tests.tasks.support import playbook_rule


@pytest.fixture(scope="module")
def tasks_db_url(server_settings: Settings) -> Iterator[str]:
    with committed_database(server_settings, "hd_tasks_jobs") as url:
        yield url


@pytest.fixture
def local(settings: Settings, tasks_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    with worker_environment(settings, tasks_db_url, "tasks", monkeypatch) as scoped:
        yield scoped


@pytest.fixture
def jdb(local: Settings) -> Iterator[Database]:
    with job_database(local) as database:
        yield database


def _dispatches(jdb: Database) -> list[dict]:
    with jdb.transaction() as session:
        runs = session.scalars(
            select(JobRun).where(JobRun.kind == "alerts.dispatch").order_by(JobRun.id)
        ).all()
        assert all(r.status == "finished" for r in runs), [r.error for r in runs]
        return [r.result for r in runs]


def test_the_dispatch_job_opens_playbook_tasks_once(local: Settings, jdb: Database) -> None:
    with jdb.transaction() as session:
        admin = make_user(session, role="admin")
        create_endpoint(session, admin, url="https://hooks.example.test/tasks", events=["task.created"])
        owner = make_user(session, role="csm")
        account = make_account(session, owner_id=owner.id)
        make_health(session, account, 10, day=NOW.date())
        playbook_rule(session)
    assert run_evaluation(local, jdb, NOW)["opened"] == 1
    drain(local, "default")
    assert [d["tasks"] for d in _dispatches(jdb)] == [2]
    with jdb.transaction() as session:
        tasks = session.scalars(select(Task).order_by(Task.due_date)).all()
        assert [(t.title, t.assignee_id, t.source) for t in tasks] == [
            ("Email the billing contact", owner.id, "playbook"),
            ("Call the sponsor", owner.id, "playbook"),
        ]
        hooks = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event_type == "task.created")
        ).all()
        assert sorted(h.payload["data"]["task"]["id"] for h in hooks) == sorted(t.id for t in tasks)

    again = run_evaluation(local, jdb, NOW)
    assert again["opened"] == 0
    drain(local, "default")
    with jdb.transaction() as session:
        assert len(session.scalars(select(Task)).all()) == 2
        assert len(session.scalars(select(WebhookDelivery)).all()) == 2
