"""RAW_EVENT_RETENTION_DAYS: the scheduled job deletes older raw events and keeps the rest and the roll-ups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jobs.queues import enqueue
from jobs.retention import enforce_event_retention
from jobs.schedule import SCHEDULE
from models.activity import AccountDailyMetric, UsageEvent
from models.job import JobRun
from tests.support.factories import make_account
from tests.support.jobs import drain


def _seed(odb, ages_in_days: list[int]) -> None:
    now = datetime.now(UTC)
    with odb.transaction() as session:
        account = make_account(session)
        session.add_all(
            UsageEvent(
                message_id=f"ret-{i}",
                account_id=account.id,
                event="login",
                occurred_at=now - timedelta(days=age),
            )
            for i, age in enumerate(ages_in_days)
        )
        session.add(
            AccountDailyMetric(account_id=account.id, day=date.today() - timedelta(days=400), events=3)
        )


def _run(osettings, odb) -> JobRun:
    run = enqueue(osettings, odb, enforce_event_retention, kind="events.retention", queue="default")
    drain(osettings, "default")
    with odb.transaction() as session:
        return session.get(JobRun, run.id)


def test_events_older_than_the_retention_period_are_deleted(
    osettings, odb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAW_EVENT_RETENTION_DAYS", "30")
    _seed(odb, [1, 29, 31, 90, 400])
    run = _run(osettings, odb)
    assert run.status == "finished" and run.result["deleted"] == 3 and run.result["retention_days"] == 30
    with odb.transaction() as session:
        assert sorted(session.scalars(select(UsageEvent.message_id))) == ["ret-0", "ret-1"]
        assert session.scalar(select(func.count()).select_from(AccountDailyMetric)) == 1


def test_retention_zero_keeps_every_event(osettings, odb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAW_EVENT_RETENTION_DAYS", "0")
    _seed(odb, [1, 4000])
    run = _run(osettings, odb)
    assert run.result == {"deleted": 0, "retention_days": None}
    with odb.transaction() as session:
        assert session.scalar(select(func.count()).select_from(UsageEvent)) == 2


def test_the_retention_job_is_scheduled_nightly() -> None:
    entry = next(p for p in SCHEDULE if p.func is enforce_event_retention)
    assert entry.cron == "45 3 * * *" and entry.queue == "default"
