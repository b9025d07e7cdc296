"""Escalation with a controlled clock: an unacknowledged alert reaches the owner's manager at its policy's
time and not before, then the admins; a rerun adds nothing; a snoozed alert stays quiet until its date;
acknowledged, resolved and info alerts never escalate. Every step is in the alert's history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.alerts import outbox
from dashapp.alerts.escalation import escalate_alerts
from dashapp.alerts.lifecycle import act
from dashapp.alerts.queries import alert_timeline, escalations
from models.alert import Alert, AlertEvent
from models.notify import NotificationDelivery
from models.user import User
from tests.alerts.support import NOW, make_rule
from tests.support.factories import make_account, make_user

H = timedelta(hours=1)


def _team(session: Session) -> tuple[User, User, User]:
    manager = make_user(session, role="manager")
    owner = make_user(session, role="csm", manager_id=manager.id)
    admin = make_user(session, role="admin")
    return manager, owner, admin


def _alert(session: Session, owner: User, severity: str = "critical", **rule: Any) -> Alert:
    account = make_account(session, owner_id=owner.id)
    made = make_rule(
        session, "score_below", {"threshold": 40}, name=f"Low score {account.id}", severity=severity, **rule
    )
    alert = Alert(
        rule_id=made.id,
        account_id=account.id,
        state="open",
        severity=severity,
        title="Score below 40",
        recipient_ids=[owner.id],
        opened_at=NOW,
    )
    session.add(alert)
    session.flush()
    return alert


def _steps(session: Session, at: Any) -> list[tuple[int, int, str, list[int]]]:
    run = escalate_alerts(session, at)
    return [(e.alert_id, e.step, e.target, e.user_ids) for e in run.escalated]


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_critical_alert_goes_to_the_manager_at_4_hours_then_the_admins_at_24(session: Session) -> None:
    manager, owner, admin = _team(session)
    alert = _alert(session, owner)  # no policy of its own: critical's default
    assert _steps(session, NOW + 4 * H - timedelta(seconds=1)) == []
    assert _steps(session, NOW + 4 * H) == [(alert.id, 1, "manager", [manager.id])]
    told = session.scalars(
        select(NotificationDelivery).where(NotificationDelivery.user_id == manager.id)
    ).all()
    assert [(d.kind, d.severity) for d in told] == [("alert.escalated", "critical")]

    events, deliveries = _count(session, AlertEvent), _count(session, NotificationDelivery)
    assert _steps(session, NOW + 4 * H) == []  # a rerun at the same time
    assert _steps(session, NOW + 23 * H) == []
    assert (_count(session, AlertEvent), _count(session, NotificationDelivery)) == (events, deliveries)

    [(alert_id, step, target, admins)] = _steps(session, NOW + 24 * H)
    assert (alert_id, step, target) == (alert.id, 2, "admins") and admin.id in admins
    assert _steps(session, NOW + 100 * H) == []  # no third step

    history = escalations(session, alert.id)
    assert [(e["step"], e["target"], e["at"]) for e in history] == [
        (1, "manager", NOW + 4 * H),
        (2, "admins", NOW + 24 * H),
    ]
    assert history[0]["to"] == [manager.email] and admin.email in history[1]["to"]
    texts = [e["text"] for e in alert_timeline(session, alert.account_id)]
    assert any("escalated" in t and manager.email in t and "step 1" in t for t in texts)
    # The engine told them already: the outbox does not tell them again.
    assert all(g.kind != "escalated" for g in outbox.dispatch(session, NOW + 100 * H).groups)


def test_a_rule_policy_replaces_the_severity_default(session: Session) -> None:
    manager, owner, _admin = _team(session)
    quick = _alert(session, owner, "warning", escalation=[{"after_hours": 1, "target": "manager"}])
    never = _alert(session, owner, "critical", escalation=[])
    assert _steps(session, NOW + H) == [(quick.id, 1, "manager", [manager.id])]
    assert _steps(session, NOW + 1000 * H) == []  # neither the admins nor the rule that never escalates
    assert escalations(session, never.id) == []


def test_warning_default_waits_a_day_and_info_never_escalates(session: Session) -> None:
    manager, owner, _admin = _team(session)
    warning = _alert(session, owner, "warning")
    info = _alert(session, owner, "info")
    assert _steps(session, NOW + 23 * H) == []
    assert _steps(session, NOW + 24 * H) == [(warning.id, 1, "manager", [manager.id])]
    assert [s[:3] for s in _steps(session, NOW + 72 * H)] == [(warning.id, 2, "admins")]
    assert escalations(session, info.id) == []


def test_a_snoozed_alert_stays_quiet_until_its_date_then_escalates(session: Session) -> None:
    manager, owner, _admin = _team(session)
    alert = _alert(session, owner)
    until = NOW + 48 * H
    act(session, owner, "snooze", [alert.id], now=NOW + H, until=until, reason="customer on holiday")
    assert _steps(session, NOW + 24 * H) == []  # past both steps' time, but snoozed
    assert _steps(session, until) == []  # the date has come: the clock starts again
    assert _steps(session, until + 4 * H - timedelta(seconds=1)) == []
    assert _steps(session, until + 4 * H) == [(alert.id, 1, "manager", [manager.id])]


def test_an_alert_reopened_after_its_snooze_counts_from_the_reopening(session: Session) -> None:
    from dashapp.alerts.evaluate import wake_snoozed

    manager, owner, _admin = _team(session)
    alert = _alert(session, owner)
    act(session, owner, "snooze", [alert.id], now=NOW + H, until=NOW + 10 * H, reason="later")
    assert wake_snoozed(session, NOW + 11 * H) == [alert.id]
    assert _steps(session, NOW + 15 * H - timedelta(seconds=1)) == []
    assert _steps(session, NOW + 15 * H) == [(alert.id, 1, "manager", [manager.id])]


def test_acknowledged_and_resolved_alerts_never_escalate(session: Session) -> None:
    _manager, owner, _admin = _team(session)
    acknowledged = _alert(session, owner)
    resolved = _alert(session, owner)
    acked_then_snoozed = _alert(session, owner)
    deliveries = _count(session, NotificationDelivery)
    act(session, owner, "acknowledge", [acknowledged.id, acked_then_snoozed.id], now=NOW + H)
    act(session, owner, "resolve", [resolved.id], now=NOW + H)
    act(session, owner, "snooze", [acked_then_snoozed.id], now=NOW + H, until=NOW + 2 * H, reason="x")
    assert _steps(session, NOW + 1000 * H) == []
    assert _count(session, NotificationDelivery) == deliveries


def test_an_owner_without_a_manager_escalates_to_the_admins(session: Session) -> None:
    admin = make_user(session, role="admin")
    owner = make_user(session, role="csm")
    alert = _alert(session, owner)
    [(alert_id, step, target, users)] = _steps(session, NOW + 4 * H)
    assert (alert_id, step, target) == (alert.id, 1, "manager") and admin.id in users


def test_the_scheduler_escalates_every_15_minutes() -> None:
    from jobs import alerts
    from jobs.schedule import SCHEDULE

    entry = next(p for p in SCHEDULE if p.name == "alerts-escalate")
    assert entry.func is alerts.escalate and entry.cron == "*/15 * * * *" and entry.queue == "notify"
