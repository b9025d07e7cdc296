"""Sending what is recorded: each delivery in its own transaction, so one slow or failing receiver never
holds back (or rolls back) the others. Called by the jobs in `jobs.notify` with an explicit `now`."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashapp.notify import dispatch, webhooks
from dashapp.notify.http import OutboundPolicy, redact
from dashapp.notify.message import Notification
from dashapp.settings import Settings
from models.db import Database
from models.notify import WebhookEndpoint


@dataclass
class RunSummary:
    notifications: dict[str, int] = field(default_factory=dict)  # status -> count
    webhooks: dict[str, int] = field(default_factory=dict)  # succeeded / retrying / failed
    disabled_endpoints: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "notifications": self.notifications,
            "webhooks": self.webhooks,
            "disabled_endpoints": self.disabled_endpoints,
        }


def send_notifications(
    db: Database, settings: Settings, ids: Iterable[int], *, now: datetime, summary: RunSummary | None = None
) -> RunSummary:
    summary = summary or RunSummary()
    for delivery_id in ids:
        with db.transaction() as session:
            status = dispatch.send_one(session, settings, delivery_id, now=now)
        if status is not None:
            summary.notifications[status] = summary.notifications.get(status, 0) + 1
    return summary


def send_webhooks(
    db: Database,
    settings: Settings,
    ids: Iterable[int],
    *,
    now: datetime,
    rng: random.Random | None = None,
    summary: RunSummary | None = None,
) -> RunSummary:
    summary = summary or RunSummary()
    policy = OutboundPolicy.from_settings(settings)
    notices: list[int] = []
    for delivery_id in ids:
        with db.transaction() as session:
            outcome = webhooks.attempt(session, delivery_id, policy=policy, now=now, rng=rng)
            if outcome is None:
                continue
            key = (
                "succeeded" if outcome.succeeded else "retrying" if outcome.retry_in is not None else "failed"
            )
            summary.webhooks[key] = summary.webhooks.get(key, 0) + 1
            if outcome.endpoint_disabled:
                delivery = session.get(webhooks.WebhookDelivery, delivery_id)
                endpoint = session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
                if endpoint is not None:
                    summary.disabled_endpoints.append(endpoint.id)
                    notices += _disabled_notices(session, endpoint, outcome.notify_owner, now)
    return send_notifications(db, settings, notices, now=now, summary=summary)


def _disabled_notices(
    session: Session, endpoint: WebhookEndpoint, owners: list[int], now: datetime
) -> list[int]:
    notice = Notification(
        kind="webhook.disabled",
        title=f"Webhook endpoint {endpoint.id} was disabled after repeated failures",
        severity="warning",
        link_path="/api/docs",
        body=f"{redact(endpoint.url)} stopped receiving events: {endpoint.disabled_reason}. "
        "Fix the receiver, then create the endpoint again and replay the deliveries it missed.",
    )
    ids = [dispatch.notify_by_email(session, owner_id, notice, now=now) for owner_id in owners]
    return [i for i in ids if i is not None]


def sweep(db: Database, settings: Settings, *, now: datetime, rng: random.Random | None = None) -> RunSummary:
    """Everything due: notifications whose quiet hours ended or whose retry time came, webhook retries."""
    with db.transaction() as session:
        notification_ids = dispatch.due(session, now)
        webhook_ids = webhooks.due(session, now)
    summary = send_notifications(db, settings, notification_ids, now=now)
    return send_webhooks(db, settings, webhook_ids, now=now, rng=rng, summary=summary)
