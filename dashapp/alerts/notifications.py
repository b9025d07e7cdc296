"""Alert events become notifications and outbound webhook events.

The outbox hands over its groups (one per recipient and kind of event): each group is ONE notification to
that person, listing every account it concerns, on the channels they chose (`dashapp.notify.dispatch`
applies preferences, quiet hours and caps). Every alert opened or resolved is also one webhook event
(`alert.opened` / `alert.resolved`) for the endpoints subscribed to it, whoever it was routed to. An alert
opened for a rule that names a playbook also opens the playbook's steps as tasks for the account's owner,
once per alert (`dashapp.tasks.playbooks`), each with its `task.created` webhook event.
Rows only, in the caller's transaction; the caller commits and then queues the sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.alerts.outbox import Batch
from dashapp.notify.dispatch import notify
from dashapp.notify.message import Item, Notification
from dashapp.notify.webhooks import emit_webhook_event
from dashapp.tasks.events import announce_created
from dashapp.tasks.playbooks import open_playbook_tasks
from models.account import Account
from models.alert import SEVERITIES, Alert, AlertRule

# What each kind of alert event says in a title, and the webhook event it is (None: no webhook event).
VERBS = {
    "opened": "opened",
    "reopened": "opened again",
    "resolved": "resolved",
    "escalated": "escalated to you",
}
WEBHOOK_EVENTS = {"opened": "alert.opened", "reopened": "alert.opened", "resolved": "alert.resolved"}
LINK = "/alerts"


@dataclass
class Recorded:
    """What was recorded for sending: give both lists to `jobs.notify.deliver_soon` after commit."""

    notification_ids: list[int] = field(default_factory=list)
    webhook_ids: list[int] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)  # opened from playbooks


def _alerts(session: Session, alert_ids: set[int]) -> dict[int, Any]:
    rows = session.execute(
        select(
            Alert.id,
            Alert.severity,
            Alert.title,
            Alert.state,
            Alert.opened_at,
            Alert.resolved_at,
            Account.id.label("account_id"),
            Account.external_id,
            Account.name.label("account_name"),
            AlertRule.name.label("rule_name"),
        )
        .join(Account, Account.id == Alert.account_id)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .where(Alert.id.in_(alert_ids))
    ).all()
    return {r.id: r for r in rows}


def _payload(alert: Any, kind: str) -> dict[str, Any]:
    return {
        "alert": {
            "id": alert.id,
            "rule": alert.rule_name,
            "severity": alert.severity,
            "title": alert.title,
            "state": alert.state,
            "event": kind,
            "opened_at": alert.opened_at.isoformat() if alert.opened_at else None,
            "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        },
        "account": {"id": alert.account_id, "external_id": alert.external_id, "name": alert.account_name},
    }


def record(session: Session, batch: Batch, now: datetime) -> Recorded:
    """One notification per group and one webhook event per alert event of `batch`; playbook tasks for
    the alerts it opened."""
    recorded = Recorded()
    alerts = _alerts(session, {a for a, _kind in batch.alert_events})
    for group in batch.groups:
        found = [alerts[a] for a in group.alert_ids if a in alerts]
        if not found:
            continue
        n = len(found)
        notification = Notification(
            kind=f"alert.{group.kind}",
            title=f"{n} alert{'' if n == 1 else 's'} {VERBS.get(group.kind, group.kind)}",
            severity=max((a.severity for a in found), key=SEVERITIES.index),
            items=tuple(Item(a.account_id, a.account_name, f"{a.rule_name}: {a.title}") for a in found),
            link_path=LINK,
            event_type=WEBHOOK_EVENTS.get(group.kind),
        )
        recorded.notification_ids += notify(session, [group.recipient_id], notification, now=now)
    for alert_id, kind in batch.alert_events:
        event_type = WEBHOOK_EVENTS.get(kind)
        if event_type and alert_id in alerts:
            payload = _payload(alerts[alert_id], kind)
            recorded.webhook_ids += emit_webhook_event(session, event_type, payload, now=now)
    opened = [alert_id for alert_id, kind in batch.alert_events if kind in ("opened", "reopened")]
    recorded.task_ids = open_playbook_tasks(session, opened, now=now)
    recorded.webhook_ids += announce_created(session, recorded.task_ids, now=now)
    return recorded
