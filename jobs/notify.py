"""Notification jobs (queue "notify"): send recorded notifications and webhook deliveries, the periodic
sweep (retries, quiet hours ended), the daily digests and escalation. Thin shells over `dashapp.notify`.

`now` is an ISO 8601 timestamp (default: the current time) so tests and the CLI control the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from dashapp.notify import digest, escalation, runner
from dashapp.settings import Settings
from jobs.queues import enqueue
from jobs.runtime import job_database, job_settings, tracked
from models.db import Database
from models.job import JobRun


def _now(now: str | None) -> datetime:
    if not now:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(now)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@tracked
def deliver(
    notification_ids: Sequence[int] = (), webhook_ids: Sequence[int] = (), now: str | None = None
) -> dict[str, Any]:
    """Send the given notification deliveries and try the given webhook deliveries once each."""
    moment = _now(now)
    db, settings = job_database(), job_settings()
    summary = runner.send_notifications(db, settings, notification_ids, now=moment)
    return runner.send_webhooks(db, settings, webhook_ids, now=moment, summary=summary).as_dict()


@tracked
def sweep(now: str | None = None) -> dict[str, Any]:
    """Periodic: whatever is due (webhook retries with backoff, notifications after quiet hours)."""
    return runner.sweep(job_database(), job_settings(), now=_now(now)).as_dict()


@tracked
def send_digests(now: str | None = None) -> dict[str, Any]:
    """Periodic (hourly): the daily digest of every user whose digest hour has come, once per local day."""
    return digest.send_due(job_database(), job_settings(), now=_now(now))


@tracked
def escalate(
    candidates: list[dict[str, Any]], policy: list[dict[str, Any]], now: str | None = None
) -> dict[str, Any]:
    """Escalate unacknowledged alerts (`escalation.Candidate` fields as dicts) along `policy` steps."""
    moment = _now(now)
    db, settings = job_database(), job_settings()
    with db.transaction() as session:
        result = escalation.escalate(
            session,
            [escalation.Candidate(**c) for c in candidates],
            escalation.policy_from(policy),
            now=moment,
        )
    runner.send_notifications(db, settings, result.delivery_ids, now=moment)
    return result.as_dict()


def deliver_soon(
    settings: Settings,
    db: Database,
    *,
    notification_ids: Sequence[int] = (),
    webhook_ids: Sequence[int] = (),
    now: datetime | None = None,
) -> JobRun | None:
    """Enqueue the sending of what `dispatch.notify` / `webhooks.emit_webhook_event` recorded (call it
    after your transaction commits). Nothing to send: no job."""
    if not notification_ids and not webhook_ids:
        return None
    return enqueue(
        settings,
        db,
        deliver,
        list(notification_ids),
        list(webhook_ids),
        now.isoformat() if now else None,
        kind="notify.deliver",
        queue="notify",
        title=f"Send {len(notification_ids)} notifications and {len(webhook_ids)} webhooks",
        params={"notifications": len(notification_ids), "webhooks": len(webhook_ids)},
    )


def enqueue_sweep(settings: Settings, db: Database, now: datetime | None = None) -> JobRun:
    return enqueue(
        settings,
        db,
        sweep,
        now.isoformat() if now else None,
        kind="notify.sweep",
        queue="notify",
        title="Send due notifications and webhook retries",
    )
