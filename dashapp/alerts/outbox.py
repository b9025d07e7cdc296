"""The alert-event outbox: claim unprocessed events, group them per recipient, hand each group to the
delivery hooks, mark them processed.

Grouping is the fatigue rule: a recompute that sends 30 of one CSM's accounts red yields one group for
that CSM (kind "opened", 30 alerts), not 30. Channels (email, Slack, SMS, webhooks) register a hook with
`register_delivery`; a hook receives the groups of one batch and the open session, and must not commit.
"""

from __future__ import annotations

from collections.abc import Callable
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


Delivery = Callable[[Session, list[Group]], None]
_DELIVERIES: list[Delivery] = []


def register_delivery(hook: Delivery) -> None:
    if hook not in _DELIVERIES:
        _DELIVERIES.append(hook)


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
class Dispatched:
    events: int = 0
    groups: list[Group] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"events": self.events, "groups": [g.as_dict() for g in self.groups]}


def dispatch(session: Session, now: datetime, limit: int = MAX_BATCH) -> Dispatched:
    """Claim up to `limit` unprocessed events (others running at once skip them), group, deliver, mark
    processed. The caller commits: a failing hook leaves the events unprocessed for the retry."""
    rows = session.execute(
        select(AlertEvent.id, AlertEvent.alert_id, AlertEvent.kind, AlertEvent.recipient_ids)
        .where(AlertEvent.processed_at.is_(None))
        .order_by(AlertEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return Dispatched()
    groups = group_events([tuple(r) for r in rows])
    for hook in list(_DELIVERIES):
        hook(session, groups)
    session.execute(
        update(AlertEvent).where(AlertEvent.id.in_([r[0] for r in rows])).values(processed_at=now)
    )
    return Dispatched(len(rows), groups)
