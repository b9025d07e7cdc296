"""The alert-event outbox: claim unprocessed events, group them per recipient, mark them processed.

Grouping is the fatigue rule: a recompute that sends 30 of one CSM's accounts red yields one group for
that CSM (kind "opened", 30 alerts), not 30. `dashapp.alerts.notifications.record` turns a batch into
notifications and webhook events in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.alert import AlertEvent

MAX_BATCH = 10_000


@dataclass(frozen=True)
class Group:
    """The events of one batch for one recipient and one kind of event."""

    recipient_id: int
    kind: str
    event_ids: tuple[int, ...]
    alert_ids: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "recipient_id": self.recipient_id,
            "kind": self.kind,
            "event_ids": list(self.event_ids),
            "alert_ids": list(self.alert_ids),
        }


def group_events(events: list[tuple[int, int, str, list[int]]]) -> list[Group]:
    """(event id, alert id, kind, recipient ids) rows -> one group per (recipient, kind), in first-seen order."""
    found: dict[tuple[int, str], tuple[list[int], list[int]]] = {}
    for event_id, alert_id, kind, recipients in events:
        for recipient in dict.fromkeys(recipients or []):
            events_of, alerts_of = found.setdefault((recipient, kind), ([], []))
            events_of.append(event_id)
            if alert_id not in alerts_of:
                alerts_of.append(alert_id)
    return [Group(r, k, tuple(e), tuple(a)) for (r, k), (e, a) in found.items()]


@dataclass
class Batch:
    """One claimed batch: its size, its groups, and its distinct (alert id, kind) events."""

    events: int = 0
    groups: list[Group] = field(default_factory=list)
    alert_events: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"events": self.events, "groups": [g.as_dict() for g in self.groups]}


def dispatch(session: Session, now: datetime, limit: int = MAX_BATCH) -> Batch:
    """Claim up to `limit` unprocessed events (others running at once skip them), group them and mark them
    processed. The caller records what to send and commits: a failure leaves the events for the retry."""
    rows = session.execute(
        select(AlertEvent.id, AlertEvent.alert_id, AlertEvent.kind, AlertEvent.recipient_ids)
        .where(AlertEvent.processed_at.is_(None))
        .order_by(AlertEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return Batch()
    session.execute(
        update(AlertEvent).where(AlertEvent.id.in_([r[0] for r in rows])).values(processed_at=now)
    )
    events = list(dict.fromkeys((r[1], r[2]) for r in rows))
    return Batch(len(rows), group_events([tuple(r) for r in rows]), events)
