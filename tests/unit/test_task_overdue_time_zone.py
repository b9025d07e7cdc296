"""A task is overdue once its due day has passed on the calendar of the person looking (their notification
preferences' time zone), not UTC's: around midnight the two disagree."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dashapp.notify.preferences import DEFAULT_CHANNELS, Prefs
from dashapp.tasks.queries import TaskRow
from models.task import Task

DUE = date(2026, 12, 7)


def _overdue(zone: str, now: datetime) -> bool:
    row = TaskRow(Task(status="open", due_date=DUE), "acct", "Acme", None)
    today = Prefs(channels=dict(DEFAULT_CHANNELS), timezone=zone).local_day(now)
    return row.overdue(today)


def test_just_after_midnight_in_auckland_it_is_overdue_there_but_not_in_utc() -> None:
    now = datetime(2026, 12, 7, 11, 30, tzinfo=UTC)  # 00:30 on 8 December in Auckland (UTC+13)
    assert _overdue("Pacific/Auckland", now) is True
    assert _overdue("UTC", now) is False


def test_just_before_midnight_in_los_angeles_it_is_not_overdue_there_though_utc_has_moved_on() -> None:
    now = datetime(2026, 12, 8, 7, 30, tzinfo=UTC)  # 23:30 on 7 December in Los Angeles (UTC-8)
    assert _overdue("America/Los_Angeles", now) is False
    assert _overdue("UTC", now) is True
    assert _overdue("America/Los_Angeles", datetime(2026, 12, 8, 8, 0, tzinfo=UTC)) is True  # its midnight


def test_a_closed_task_is_never_overdue() -> None:
    row = TaskRow(Task(status="done", due_date=DUE), "acct", "Acme", None)
    assert row.overdue(date(2027, 1, 1)) is False
