"""`dispatch.notify`: channels per severity, quiet hours in the user's zone, the daily cap with overflow to
the digest, the daily digest once per local day, and escalation steps taken once each at their time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from dashapp.notify import dispatch, escalation, preferences, runner
from dashapp.notify.digest import send_due
from dashapp.notify.message import Item, Notification
from dashapp.settings import Settings
from jobs.notify import escalate as escalate_job
from models.db import Database
from models.notify import EscalationStep, NotificationDelivery
from tests.notify.conftest import Mail
from tests.notify.servers import part
from tests.support.factories import make_user

# 09:00 UTC on a Monday: 10:00 in Paris, 04:00 in New York.
MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _alert(n: int, severity: str = "critical") -> Notification:
    return Notification(
        kind="alert.opened",
        title=f"Alert {n}",
        severity=severity,
        items=(Item(n, f"Account {n}", "score below 40"),),
        link_path="/alerts",
    )


def test_channels_follow_severity_and_inactive_users_get_nothing(ndb: Database) -> None:
    with ndb.transaction() as session:
        default = make_user(session, role="csm")
        custom = make_user(session, role="csm")
        gone = make_user(session, role="csm")
        gone.is_active = False
        preferences.update(session, custom.id, {"channels": {"info": ["email"], "critical": []}})
        critical = dispatch.notify(
            session, [default.id, custom.id, gone.id, default.id], _alert(1), now=MORNING
        )
        info = dispatch.notify(session, [default.id, custom.id], _alert(2, "info"), now=MORNING)
        rows = session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id)).all()
    assert [(r.user_id, r.title) for r in rows] == [(default.id, "Alert 1"), (custom.id, "Alert 2")]
    assert len(critical) == 1 and len(info) == 1


def test_quiet_hours_in_the_users_zone_hold_until_they_end(
    nsettings: Settings, ndb: Database, mail: Mail
) -> None:
    with ndb.transaction() as session:
        night_owl = make_user(session, role="csm", email="ny@example.test")
        preferences.update(
            session,
            night_owl.id,
            {"timezone": "America/New_York", "quiet_start": time(22, 0), "quiet_end": time(7, 0)},
        )
        ids = dispatch.notify(session, [night_owl.id], _alert(3), now=MORNING)  # 04:00 in New York
        [row] = session.scalars(select(NotificationDelivery)).all()
    assert ids == [] and row.status == "pending"
    assert row.send_after == datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # 07:00 New York
    runner.sweep(ndb, nsettings, now=MORNING + timedelta(hours=2))
    assert mail.inbox.messages == []
    runner.sweep(ndb, nsettings, now=datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    assert [m["To"] for m in mail.inbox.messages] == ["ny@example.test"]


def test_over_the_daily_cap_goes_to_the_digest_once_a_day(
    nsettings: Settings, ndb: Database, mail: Mail
) -> None:
    with ndb.transaction() as session:
        user = make_user(session, role="csm", email="capped@example.test")
        preferences.update(session, user.id, {"daily_cap": 2, "timezone": "Europe/Paris", "digest_hour": 8})
        sent = [
            dispatch.notify(session, [user.id], _alert(n), now=MORNING + timedelta(minutes=n))
            for n in range(5)
        ]
    assert [len(s) for s in sent] == [1, 1, 0, 0, 0]
    runner.send_notifications(
        ndb, nsettings, [i for s in sent for i in s], now=MORNING + timedelta(minutes=10)
    )
    assert len(mail.inbox.messages) == 2
    with ndb.transaction() as session:
        held = session.scalars(
            select(NotificationDelivery).where(NotificationDelivery.status == "digest")
        ).all()
        assert sorted(r.title for r in held) == ["Alert 2", "Alert 3", "Alert 4"]
    # The next local day starts a new count (Paris midnight is 23:00 UTC).
    with ndb.transaction() as session:
        assert (
            len(dispatch.notify(session, [user.id], _alert(9), now=datetime(2026, 12, 7, 23, 5, tzinfo=UTC)))
            == 1
        )
    # Before the digest hour (07:30 Paris) nothing; at it, one digest; again the same day, nothing.
    assert send_due(ndb, nsettings, now=datetime(2026, 12, 8, 6, 30, tzinfo=UTC))["digests_sent"] == 0
    assert send_due(ndb, nsettings, now=datetime(2026, 12, 8, 7, 5, tzinfo=UTC))["digests_sent"] == 1
    assert send_due(ndb, nsettings, now=datetime(2026, 12, 8, 9, 5, tzinfo=UTC))["digests_sent"] == 0
    digest = mail.inbox.messages[-1]
    assert digest["Subject"] == "[healthdash] Your healthdash digest for 2026-12-08"
    text = part(digest, "text/plain")
    assert "3 notification(s) over your daily limit" in text
    assert all(f"Account {n}: score below 40" in text for n in (2, 3, 4))
    with ndb.transaction() as session:
        statuses = {r.title: r.status for r in session.scalars(select(NotificationDelivery))}
    assert statuses["Alert 2"] == "digested" and statuses["Alert 0"] == "sent"


def test_escalation_goes_to_the_manager_then_the_admins_once_each(nsettings: Settings, ndb: Database) -> None:
    with ndb.transaction() as session:
        manager = make_user(session, role="manager")
        owner = make_user(session, role="csm")
        admin = make_user(session, role="admin")
        ids = (manager.id, owner.id, admin.id)
    opened = MORNING - timedelta(hours=5)
    candidates = [
        {
            "alert_id": 41,
            "opened_at": opened.isoformat(),
            "owner_id": ids[1],
            "manager_id": ids[0],
            "account_id": 7,
            "account_name": "Acme",
            "title": "Payment failed",
            "severity": "critical",
        }
    ]
    policy = [{"after_hours": 4, "target": "manager"}, {"after_hours": 24, "target": "admins"}]
    first = escalate_job.__wrapped__(candidates, policy, (MORNING).isoformat())
    assert first["steps"] == [{"alert_id": 41, "step": 1, "target": "manager", "user_ids": [ids[0]]}]
    again = escalate_job.__wrapped__(candidates, policy, (MORNING + timedelta(hours=1)).isoformat())
    assert again["steps"] == []
    later = escalate_job.__wrapped__(candidates, policy, (opened + timedelta(hours=24)).isoformat())
    assert later["steps"] == [{"alert_id": 41, "step": 2, "target": "admins", "user_ids": [ids[2]]}]
    with ndb.transaction() as session:
        steps = session.scalars(select(EscalationStep).order_by(EscalationStep.step)).all()
        assert [(s.step, s.escalated_at) for s in steps] == [(1, MORNING), (2, opened + timedelta(hours=24))]
        rows = session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id)).all()
        assert [(r.user_id, r.status, r.kind) for r in rows] == [
            (ids[0], "sent", "alert.escalated"),
            (ids[2], "sent", "alert.escalated"),
        ]
        assert "Payment failed (unacknowledged for 5 h)" in str(rows[0].content)


def test_escalation_groups_alerts_per_recipient_and_falls_back_to_admins(ndb: Database) -> None:
    with ndb.transaction() as session:
        admin = make_user(session, role="admin")
        owner = make_user(session, role="csm")
        candidates = [
            escalation.Candidate(
                n, MORNING - timedelta(hours=6), owner.id, None, n, f"Account {n}", "Renewal at risk"
            )
            for n in (1, 2, 3)
        ]
        result = escalation.escalate(session, candidates, [escalation.Step(4, "manager")], now=MORNING)
        [row] = session.scalars(select(NotificationDelivery)).all()
    assert [s[3] for s in result.steps] == [[admin.id]] * 3
    assert row.user_id == admin.id and len(row.content["items"]) == 3
