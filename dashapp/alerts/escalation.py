"""Escalation of unacknowledged alerts: feed the open alerts into the escalation engine
(`dashapp.notify.escalation`) with each alert's effective policy, and record every step on the alert.

Which alerts: open (or snoozed with the date passed) and never acknowledged, selected in one query with
their owner, the owner's manager, account, title, severity and rule policy. An alert's clock starts when it
opened, or again when its last snooze ended (its date, or when it was reopened), so a snoozed alert stays
quiet until its date and then gets the policy's full time before the first step. Acknowledged or resolved
alerts never escalate. Each step taken is one `escalated` alert event (who it went to, which step) in the
alert's history; the engine has already recorded the notifications, so the event is written processed and
the outbox does not tell anyone twice. Re-running at the same `now` takes, sends and records nothing new.
Rows only, in the caller's transaction; the caller commits and queues the sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, case, func, insert, or_, select
from sqlalchemy.orm import Session, aliased

from dashapp.alerts.rules import effective_escalation
from dashapp.notify import escalation as engine
from models.account import Account, live
from models.alert import Alert, AlertChange, AlertEvent, AlertRule
from models.user import User


@dataclass(frozen=True)
class Escalated:
    """One step taken: which alert, which step, to whom."""

    alert_id: int
    account_name: str
    title: str
    severity: str
    step: int
    target: str
    user_ids: list[int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "account": self.account_name,
            "title": self.title,
            "severity": self.severity,
            "step": self.step,
            "target": self.target,
            "user_ids": self.user_ids,
        }


@dataclass
class EscalationRun:
    escalated: list[Escalated] = field(default_factory=list)
    notification_ids: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # rule id -> why its policy could not be read

    def as_dict(self) -> dict[str, Any]:
        return {
            "escalated": [e.as_dict() for e in self.escalated],
            "notifications": len(self.notification_ids),
            "skipped": {str(k): v for k, v in self.skipped.items()},
        }


def clock_start() -> Any:
    """When an alert's unacknowledged time starts: it opened, or its last snooze ended."""
    reopened = (
        select(func.max(AlertChange.at))
        .where(
            AlertChange.alert_id == Alert.id,
            AlertChange.from_state == "snoozed",
            AlertChange.to_state == "open",
        )
        .scalar_subquery()
    )
    snooze_end = case((Alert.state == "snoozed", Alert.snoozed_until), else_=reopened)
    return func.greatest(Alert.opened_at, snooze_end)  # GREATEST ignores NULL


def candidates(session: Session, now: datetime) -> tuple[list[engine.Candidate], dict[int, str]]:
    """The alerts that may escalate at `now`, each with its own policy (one query; none with no steps)."""
    owner = aliased(User)
    rows = session.execute(
        select(
            Alert.id,
            clock_start().label("since"),
            Account.owner_id,
            owner.manager_id,
            Account.id.label("account_id"),
            Account.name,
            Alert.title,
            Alert.severity,
            AlertRule.id.label("rule_id"),
            AlertRule.escalation,
        )
        .join(
            Account, (Account.id == Alert.account_id) & live(Account)
        )  # a deleted account escalates nothing
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .outerjoin(owner, owner.id == Account.owner_id)
        .where(
            Alert.acknowledged_at.is_(None),
            Alert.opened_at <= now,
            or_(Alert.state == "open", and_(Alert.state == "snoozed", Alert.snoozed_until <= now)),
        )
        .order_by(Alert.id)
    ).all()
    found: list[engine.Candidate] = []
    skipped: dict[int, str] = {}
    for r in rows:
        try:
            steps = effective_escalation(r.severity, r.escalation)
        except ValidationError as exc:
            skipped[r.rule_id] = f"escalation: {exc.errors()[0]['msg']}"
            continue
        if not steps:
            continue
        found.append(
            engine.Candidate(
                alert_id=r.id,
                opened_at=r.since,
                owner_id=r.owner_id,
                manager_id=r.manager_id,
                account_id=r.account_id,
                account_name=r.name,
                title=r.title,
                severity=r.severity,
                policy=tuple(engine.Step(s.after_hours, s.target) for s in steps),
            )
        )
    return found, skipped


def escalate_alerts(session: Session, now: datetime) -> EscalationRun:
    """Take every escalation step due at `now`, notify its people, record it on the alert."""
    due, skipped = candidates(session, now)
    result = engine.escalate(session, due, now=now)
    about = {c.alert_id: c for c in due}
    run = EscalationRun(notification_ids=result.delivery_ids, skipped=skipped)
    for alert_id, step, target, user_ids in result.steps:
        c = about[alert_id]
        run.escalated.append(Escalated(alert_id, c.account_name, c.title, c.severity, step, target, user_ids))
    if run.escalated:
        session.execute(
            insert(AlertEvent),
            [
                {
                    "alert_id": e.alert_id,
                    "kind": "escalated",
                    "recipient_ids": e.user_ids,
                    "details": {"step": e.step, "target": e.target},
                    "created_at": now,
                    "processed_at": now,  # told already, by the engine
                }
                for e in run.escalated
            ],
        )
    return run
