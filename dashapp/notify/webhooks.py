"""Outbound webhooks (Standard Webhooks): emit an event, attempt a delivery, back off, give up, disable.

- `emit_webhook_event` adds one delivery per active endpoint subscribed to the event type (no I/O).
- `attempt(session, delivery_id, ...)` sends one try, logs it as a `WebhookAttempt`, and either marks the
  delivery succeeded, schedules the next try (exponential backoff with jitter) or marks it failed.
- An endpoint whose last `DISABLE_AFTER` attempts all failed, over at least `DISABLE_WINDOW`, is disabled
  and its owner emailed (a notification row is returned for the caller to send).
Every retry carries the same `webhook-id`, so receivers can drop duplicates.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from dashapp.notify.endpoints import EVENT_TYPES
from dashapp.notify.http import OutboundPolicy, OutboundRefused, send
from models.notify import WebhookAttempt, WebhookDelivery, WebhookEndpoint

MAX_ATTEMPTS = 8  # per delivery; after that it is failed (replay it by hand)
BASE_DELAY = 30  # seconds before the 2nd attempt; doubles each time
MAX_DELAY = 6 * 3600
DISABLE_AFTER = 10  # consecutive failed attempts ...
DISABLE_WINDOW = timedelta(hours=24)  # ... spread over at least this long


@dataclass
class AttemptOutcome:
    delivery_id: int
    succeeded: bool
    status_code: int | None
    retry_in: int | None  # seconds, when another try is scheduled
    endpoint_disabled: bool = False
    notify_owner: list[int] = field(default_factory=list)  # users to tell the endpoint was disabled


def backoff_seconds(attempt: int, rng: random.Random) -> int:
    """Delay after failed try number `attempt` (1-based): BASE_DELAY * 2^(attempt-1), capped, with
    "equal jitter" (between half and all of it), so failing endpoints are not hit in lockstep."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1))
    return int(ceiling / 2 + rng.uniform(0, ceiling / 2))


def emit_webhook_event(
    session: Session, event_type: str, payload: dict[str, Any], *, now: datetime
) -> list[int]:
    """Queue `event_type` with `payload` for every active endpoint subscribed to it; returns delivery ids.

    Writes rows in the caller's transaction only. After commit, pass the ids to `jobs.notify.deliver_soon`
    (or let the periodic sweep pick them up within a minute).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    endpoints = session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.is_active.is_(True)).order_by(WebhookEndpoint.id)
    ).all()
    body = {"type": event_type, "timestamp": now.isoformat(), "data": payload}
    message_id = "msg_" + uuid.uuid4().hex
    ids = []
    for endpoint in endpoints:
        if event_type not in (endpoint.events or []):
            continue
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            message_id=message_id,
            event_type=event_type,
            payload=body,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(delivery)
        session.flush()
        ids.append(delivery.id)
    return ids


def signed_request(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime) -> tuple[bytes, dict]:
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    signature = Webhook(endpoint.secret).sign(delivery.message_id, now, body)
    headers = {
        "Content-Type": "application/json",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body, headers


def attempt(
    session: Session,
    delivery_id: int,
    *,
    policy: OutboundPolicy,
    now: datetime,
    rng: random.Random | None = None,
) -> AttemptOutcome | None:
    """One try of a pending delivery (None when it is not pending or its endpoint is disabled)."""
    rng = rng or random.Random()
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != "pending":
        return None
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
    if endpoint is None or not endpoint.is_active:
        return None
    body, headers = signed_request(endpoint, delivery, now)
    started = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    excerpt = ""
    try:
        result = send("POST", endpoint.url, policy=policy, body=body, headers=headers)
        status_code, excerpt = result.status, result.text(500)
        if not result.ok:
            error = f"HTTP {result.status}"
    except OutboundRefused as exc:
        error = f"refused: {exc}"
    except Exception as exc:  # network errors of every kind are a failed attempt, logged below
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration = int((time.perf_counter() - started) * 1000)
    delivery.attempts += 1
    record = WebhookAttempt(
        delivery_id=delivery.id,
        number=delivery.attempts,
        attempted_at=now,
        status_code=status_code,
        error=error,
        response_excerpt=excerpt,
        duration_ms=duration,
    )
    session.add(record)
    outcome = AttemptOutcome(delivery.id, error is None, status_code, None)
    if error is None:
        delivery.status = "succeeded"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
        return outcome
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
        delivery.next_attempt_at = None
    else:
        delay = backoff_seconds(delivery.attempts, rng)
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        record.next_delay_seconds = delay
        outcome.retry_in = delay
    if endpoint.consecutive_failures >= DISABLE_AFTER and now - endpoint.failing_since >= DISABLE_WINDOW:
        endpoint.is_active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            f"{endpoint.consecutive_failures} consecutive failed attempts since "
            f"{endpoint.failing_since.isoformat(timespec='minutes')}; last: {error}"
        )
        outcome.endpoint_disabled = True
        outcome.notify_owner = [endpoint.owner_id] if endpoint.owner_id else []
    return outcome


def due(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come, on active endpoints, oldest first."""
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.is_active.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )


def replay(delivery: WebhookDelivery, *, now: datetime) -> WebhookDelivery:
    """Send a delivery again, now, with the same event and `webhook-id` (a receiver that processed it
    already can tell). Its attempt log continues; a replayed delivery that has used its attempts gets
    this one try and no further retries."""
    delivery.status = "pending"
    delivery.next_attempt_at = now
    delivery.delivered_at = None
    return delivery


def attempts_of(session: Session, delivery_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    rows = session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
    ).all()
    out: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    for row in rows:
        out[row.delivery_id].append(row)
    return out


def deliveries_of(session: Session, endpoint_id: int, limit: int = 100) -> list[WebhookDelivery]:
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )
