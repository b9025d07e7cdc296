"""Alert jobs: evaluate the rules (after each recompute, and at once for ingested events that matter),
dispatch the alert-event outbox, escalate unacknowledged alerts. Thin shells around `dashapp.alerts`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rq import Retry

from dashapp.alerts import live, notifications, outbox
from dashapp.alerts.escalation import escalate_alerts
from dashapp.alerts.evaluate import evaluate as evaluate_rules
from dashapp.alerts.queries import addressees
from dashapp.alerts.rules import EVENT_KINDS
from dashapp.settings import Settings
from jobs.notify import deliver_soon
from jobs.queues import enqueue, make_job_id, redis_connection
from jobs.runtime import job_database, job_settings, set_progress, tracked
from models.db import Database
from models.job import JobRun

RETRY = Retry(max=3, interval=[1, 10, 60])


def _now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def run_evaluation(
    settings: Settings,
    db: Database,
    now: datetime,
    *,
    kinds: Sequence[str] | None = None,
    account_ids: Sequence[int] | None = None,
    dispatch: bool = True,
) -> dict[str, Any]:
    """Evaluate and commit; then tell the live listeners and queue the outbox dispatch."""
    with db.transaction() as session:
        outcome = evaluate_rules(session, now, kinds=kinds, account_ids=account_ids)
        told = addressees(session, outcome.opened + outcome.reopened + outcome.resolved)
    if settings.redis_url and told:
        live.publish(redis_connection(settings.redis_url), settings.redis_namespace, told)
    if dispatch and outcome.changed and settings.redis_url:
        enqueue_dispatch(settings, db)
    return outcome.as_dict()


@tracked
def evaluate(
    now: str | None = None, kinds: list[str] | None = None, account_ids: list[int] | None = None
) -> dict[str, Any]:
    set_progress(0.0, "evaluating alert rules")
    return run_evaluation(job_settings(), job_database(), _now(now), kinds=kinds, account_ids=account_ids)


@tracked
def dispatch_alert_events(now: str | None = None) -> dict[str, Any]:
    """Group the unprocessed alert events per recipient, record one notification per group and one webhook
    event per alert event, open playbook tasks, mark the events done; then queue the sending."""
    settings, db, at = job_settings(), job_database(), _now(now)
    with db.transaction() as session:
        batch = outbox.dispatch(session, at)
        recorded = notifications.record(session, batch, at)
    deliver_soon(settings, db, notification_ids=recorded.notification_ids, webhook_ids=recorded.webhook_ids)
    return {
        **batch.as_dict(),
        "notifications": len(recorded.notification_ids),
        "webhooks": len(recorded.webhook_ids),
        "tasks": len(recorded.task_ids),
    }


def run_escalation(
    settings: Settings, db: Database, now: datetime, *, deliver: bool = True
) -> dict[str, Any]:
    """Take the escalation steps due at `now` and commit; then raise the bells of the people reached and
    queue the sending of their notifications."""
    with db.transaction() as session:
        run = escalate_alerts(session, now)
    told = [u for e in run.escalated for u in e.user_ids]
    if settings.redis_url and told:  # the people it reached now count these alerts as unread
        live.publish(redis_connection(settings.redis_url), settings.redis_namespace, told)
    if deliver and settings.redis_url:
        deliver_soon(settings, db, notification_ids=run.notification_ids, now=now)
    return run.as_dict()


@tracked
def escalate(now: str | None = None) -> dict[str, Any]:
    """Periodic: unacknowledged alerts go to the owner's manager, then the admins, per their policy."""
    return run_escalation(job_settings(), job_database(), _now(now))


def enqueue_evaluation(
    settings: Settings,
    db: Database,
    *,
    reason: str = "recompute",
    kinds: Sequence[str] | None = None,
    now: datetime | None = None,
    requested_by_id: int | None = None,
) -> JobRun:
    """Queue an evaluation; a second request for the same work while one waits returns the waiting run."""
    what = "-".join(sorted(kinds)) if kinds else "all"
    return enqueue(
        settings,
        db,
        evaluate,
        kind="alerts.evaluate",
        queue="default",
        title=f"Evaluate alert rules ({reason})",
        job_id=make_job_id("alerts", "evaluate", what),
        requested_by_id=requested_by_id,
        retry=RETRY,
        params={"reason": reason, "kinds": list(kinds) if kinds else None},
        now=now.isoformat() if now else None,
        kinds=list(kinds) if kinds else None,
    )


def enqueue_event_evaluation(settings: Settings, db: Database, event: str) -> JobRun:
    """An ingested payment or ticket event: evaluate only the rules it can trigger."""
    return enqueue_evaluation(settings, db, reason=f"{event} ingested", kinds=EVENT_KINDS[event])


def enqueue_dispatch(settings: Settings, db: Database) -> JobRun:
    return enqueue(
        settings,
        db,
        dispatch_alert_events,
        kind="alerts.dispatch",
        queue="default",
        title="Dispatch alert notifications",
        job_id=make_job_id("alerts", "dispatch"),
        retry=RETRY,
    )
