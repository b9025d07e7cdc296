"""Report jobs (queue "reports"): email one period's report; enqueue every report that is due (periodic)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rq import Retry

from dashapp.reports import service
from dashapp.settings import Settings
from jobs.queues import enqueue, make_job_id
from jobs.runtime import job_database, job_settings, tracked
from models.db import Database
from models.job import JobRun

# SMTP failures are often passing (a server restarting, a greylisting delay): retry, then leave it to the
# next hourly check (up to service.MAX_ATTEMPTS attempts per period).
DELIVERY_RETRY = Retry(max=3, interval=[10, 60, 300])


@tracked
def deliver_report(schedule_id: int, period: str) -> dict[str, Any]:
    """Build and email `period`'s report of schedule `schedule_id` (once: a sent period is skipped)."""
    with job_database().transaction() as session:
        return service.deliver(session, job_settings(), schedule_id, period)


def enqueue_delivery(
    settings: Settings, db: Database, schedule_id: int, period: str, retry: Retry | None = DELIVERY_RETRY
) -> JobRun:
    return enqueue(
        settings,
        db,
        deliver_report,
        schedule_id,
        period,
        kind="reports.deliver",
        queue="reports",
        title=f"Report {schedule_id} for {period}",
        job_id=make_job_id("report", schedule_id, period),
        retry=retry,
        params={"schedule_id": schedule_id, "period": period},
    )


@tracked
def send_due_reports(today: str | None = None) -> dict[str, Any]:
    """Enqueue a delivery for every running schedule whose current period was not sent yet."""
    day = date.fromisoformat(today) if today else date.today()
    with job_database().transaction() as session:
        pending = service.due(session, day)
    for schedule_id, period in pending:
        enqueue_delivery(job_settings(), job_database(), schedule_id, period)
    return {"enqueued": len(pending)}
