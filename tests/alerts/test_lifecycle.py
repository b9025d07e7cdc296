"""Lifecycle with a controlled clock: a snoozed alert stays quiet until its date, then opens again; a
condition that clears resolves even a snoozed alert; every change is recorded with who and when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.alerts.evaluate import evaluate
from dashapp.alerts.lifecycle import AlertActionError, act
from dashapp.alerts.queries import alert_timeline, unread_count
from models.alert import Alert, AlertChange, AlertEvent
from models.health import AccountHealth
from tests.alerts.support import NOW, make_rule
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_health


def _open_alert(session: Session):
    csm = make_user(session, role="csm")
    account = make_account(session, owner_id=csm.id)
    make_health(session, account, 10, day=NOW.date())
    rule = make_rule(session, "score_below", {"threshold": 40})
    alert = session.get(Alert, evaluate(session, NOW, rule_ids=[rule.id]).opened[0])
    return csm, account, rule, alert


def test_snoozed_alert_stays_quiet_until_its_date_then_opens_again(session: Session) -> None:
    csm, account, rule, alert = _open_alert(session)
    assert unread_count(session, csm.id) == 1
    until = NOW + timedelta(days=2)
    act(session, csm, "snooze", [alert.id], now=NOW, until=until, reason="customer on holiday")
    assert unread_count(session, csm.id) == 0
    quiet = evaluate(session, NOW + timedelta(days=1), rule_ids=[rule.id])
    assert not quiet.changed
    session.refresh(alert)
    assert alert.state == "snoozed" and alert.snooze_reason == "customer on holiday"
    woke = evaluate(session, until + timedelta(minutes=1), rule_ids=[rule.id])
    assert woke.reopened == [alert.id] and woke.opened == []
    session.refresh(alert)
    assert alert.state == "open" and unread_count(session, csm.id) == 1
    kinds = session.scalars(
        select(AlertEvent.kind).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)
    )
    assert list(kinds) == ["opened", "reopened"]
    changes = session.execute(
        select(AlertChange.to_state, AlertChange.actor_id, AlertChange.at)
        .where(AlertChange.alert_id == alert.id)
        .order_by(AlertChange.id)
    ).all()
    assert [tuple(c) for c in changes] == [
        ("open", None, NOW),
        ("snoozed", csm.id, NOW),
        ("open", None, until + timedelta(minutes=1)),
    ]
    texts = [e["text"] for e in alert_timeline(session, account.id)]
    assert any("snoozed" in t and "customer on holiday" in t for t in texts)


def test_a_snoozed_alert_whose_condition_clears_resolves_itself(session: Session) -> None:
    csm, account, rule, alert = _open_alert(session)
    act(session, csm, "snooze", [alert.id], now=NOW, until=NOW + timedelta(days=5), reason="waiting")
    health = session.get(AccountHealth, account.id)
    health.score = 80  # type: ignore[union-attr]
    session.flush()
    outcome = evaluate(session, NOW + timedelta(hours=1), rule_ids=[rule.id])
    assert outcome.resolved == [alert.id]
    session.refresh(alert)
    assert alert.state == "resolved" and "no longer holds" in (alert.resolution or "")


def test_acknowledge_twice_is_a_no_op_and_bad_requests_change_nothing(session: Session) -> None:
    csm, _account, _rule, alert = _open_alert(session)
    assert act(session, csm, "acknowledge", [alert.id], now=NOW).changed == [alert.id]
    assert act(session, csm, "acknowledge", [alert.id], now=NOW).unchanged == [alert.id]
    with pytest.raises(AlertActionError) as bad:
        act(session, csm, "snooze", [alert.id], now=NOW, until=NOW - timedelta(days=1), reason="x")
    assert bad.value.field == "until"
    viewer = make_user(session, role="viewer")
    with pytest.raises(AlertActionError) as refused:
        act(session, viewer, "resolve", [alert.id], now=NOW)
    assert refused.value.status == 403
    session.refresh(alert)
    assert alert.state == "acknowledged" and alert.acknowledged_by_id == csm.id
