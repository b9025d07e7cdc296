"""Report jobs (queue "reports"): email one period's report; enqueue every report that is due (periodic)."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from rq import Retry

from dashapp.exports.service import store_bytes
from dashapp.reports import service
from dashapp.settings import Settings
from jobs.queues import enqueue, make_job_id
from jobs.runtime import job_database, job_settings, tracked
from models.db import Database
from models.export import Export, ReportSchedule
from models.job import JobRun
from models.user import User

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


@tracked
def build_report_preview(export_id: int, schedule_id: int) -> dict[str, Any]:
    """The report a schedule would send now, as a downloadable PDF (nothing is emailed)."""
    with job_database().transaction() as session:
        export = session.get(Export, export_id)
        schedule = session.get(ReportSchedule, schedule_id)
        if export is None or schedule is None:
            raise LookupError("the report or its preview no longer exists")
        pdf, _summary, _path = service.report_pdf(session, schedule)
        store_bytes(job_settings(), export, pdf, stem=f"report {schedule.name}", words="preview")
        return {"export_id": export.id, "size": len(pdf)}


def request_preview(settings: Settings, db: Database, user: User, schedule_id: int) -> Export:
    """Record a preview export of a schedule the user owns and enqueue its job."""
    with db.transaction() as session:
        schedule = service.owned_schedule(session, session.get(User, user.id), schedule_id)
        export = Export(
            token=secrets.token_urlsafe(24),
            requested_by_id=user.id,
            format="pdf",
            page=f"/reports/{schedule.id}",
            query="",
            status="queued",
        )
        session.add(export)
        session.flush()
        export_id, name = export.id, schedule.name
    run = enqueue(
        settings,
        db,
        build_report_preview,
        export_id,
        schedule_id,
        kind="reports.preview",
        queue="reports",
        title=f"Preview of report {name}"[:255],
        requested_by_id=user.id,
        params={"export_id": export_id, "schedule_id": schedule_id},
    )
    with db.transaction() as session:
        export = session.get(Export, export_id)
        export.job_run_id = run.id
    return export
