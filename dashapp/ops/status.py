"""What the admin Status page shows and does: queues, workers, failed jobs (retry, cancel), score freshness.

Reads RQ's own registries (the truth about what is waiting and running) and `job_runs` (titles, errors,
who asked). Retry and cancel act on RQ and close or reopen the matching `job_runs` row, so the UI and the
API's job polling agree with the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import (
    DeferredJobRegistry,
    FailedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.settings import Settings
from models.health import AccountHealth
from models.job import JobRun


class StatusError(ValueError):
    """A retry or cancel that cannot be done; the message says why."""


@dataclass(frozen=True)
class QueueRow:
    name: str
    waiting: int
    running: int
    scheduled: int
    deferred: int
    failed: int
    workers: int


@dataclass(frozen=True)
class WorkerRow:
    name: str
    state: str
    queues: str
    current_job: str
    last_heartbeat: datetime | None


@dataclass(frozen=True)
class FailedJob:
    job_id: str
    queue: str
    title: str
    ended_at: datetime | None
    error: str


@dataclass(frozen=True)
class Freshness:
    newest_score_at: datetime | None
    newest_score_day: date | None
    accounts_scored: int
    last_score_job_at: datetime | None

    def age_seconds(self, now: datetime | None = None) -> float | None:
        if self.newest_score_at is None:
            return None
        return ((now or datetime.now(UTC)) - self.newest_score_at).total_seconds()


def _short(queue: Queue, settings: Settings) -> str:
    return queue.name.removeprefix(settings.redis_namespace)


def queue_rows(settings: Settings, queues: list[Queue]) -> list[QueueRow]:
    return [
        QueueRow(
            name=_short(q, settings),
            waiting=q.count,
            running=StartedJobRegistry(queue=q).count,
            scheduled=ScheduledJobRegistry(queue=q).count,
            deferred=DeferredJobRegistry(queue=q).count,
            failed=FailedJobRegistry(queue=q).count,
            workers=Worker.count(queue=q),
        )
        for q in queues
    ]


def worker_rows(settings: Settings, queues: list[Queue]) -> list[WorkerRow]:
    seen: dict[str, WorkerRow] = {}
    for queue in queues:
        for worker in Worker.all(queue=queue):
            if worker.name in seen:
                continue
            job = worker.get_current_job_id()
            seen[worker.name] = WorkerRow(
                name=worker.name,
                state=str(worker.get_state()),
                queues=", ".join(q.removeprefix(settings.redis_namespace) for q in worker.queue_names()),
                current_job=job or "",
                last_heartbeat=worker.last_heartbeat.replace(tzinfo=UTC) if worker.last_heartbeat else None,
            )
    return sorted(seen.values(), key=lambda w: w.name)


def _last_line(error: str | None) -> str:
    lines = [line for line in (error or "").splitlines() if line.strip()]
    return lines[-1].strip()[:300] if lines else ""


def failed_jobs(
    settings: Settings, session: Session, queues: list[Queue], limit: int = 50
) -> list[FailedJob]:
    """The newest failed jobs still kept by RQ, with their title and last error line from `job_runs`."""
    entries: list[tuple[str, str]] = []
    for queue in queues:
        for job_id in FailedJobRegistry(queue=queue).get_job_ids(desc=True)[:limit]:
            entries.append((job_id, _short(queue, settings)))
    runs = {
        run.rq_job_id: run
        for run in session.scalars(
            select(JobRun).where(JobRun.rq_job_id.in_([j for j, _ in entries])).order_by(JobRun.id)
        )
    }
    rows = []
    for job_id, queue in entries:
        run = runs.get(job_id)
        rows.append(
            FailedJob(
                job_id=job_id,
                queue=queue,
                title=run.title if run else job_id,
                ended_at=run.ended_at if run else None,
                error=_last_line(run.error) if run else "",
            )
        )
    far_past = datetime.min.replace(tzinfo=UTC)
    rows.sort(key=lambda r: r.ended_at or far_past, reverse=True)
    return rows[:limit]


def _own_job(settings: Settings, queues: list[Queue], job_id: str) -> tuple[Job, Queue]:
    names = {q.name: q for q in queues}
    connection = queues[0].connection
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        raise StatusError(f"There is no job {job_id!r} any more.") from None
    if job.origin not in names:
        raise StatusError(f"Job {job_id!r} does not belong to this installation's queues.")
    return job, names[job.origin]


def retry(settings: Settings, session: Session, queues: list[Queue], job_id: str) -> str:
    """Put a failed job back on its queue; its `job_runs` row is queued again. Returns its title."""
    job, queue = _own_job(settings, queues, job_id)
    registry = FailedJobRegistry(queue=queue)
    if job_id not in registry.get_job_ids():
        raise StatusError(
            f"Job {job_id!r} has not failed (it is {job.get_status()}); only failed jobs are retried."
        )
    registry.requeue(job_id)
    run = _latest_run(session, job_id)
    if run is not None:
        run.status, run.ended_at, run.progress = "queued", None, 0.0
        run.message = "retried from the Status page"
    return run.title if run else job_id


def cancel(settings: Settings, session: Session, queues: list[Queue], job_id: str) -> str:
    """Cancel a failed or waiting job for good (RQ's canceled registry); its `job_runs` row ends 'canceled'."""
    job, _queue = _own_job(settings, queues, job_id)
    if job.get_status() == "started":
        raise StatusError(
            f"Job {job_id!r} is running; it can be canceled only while it waits or after it failed."
        )
    try:
        job.cancel()
    except InvalidJobOperation as exc:
        raise StatusError(str(exc)) from None
    run = _latest_run(session, job_id)
    if run is not None:
        run.status, run.ended_at = "canceled", run.ended_at or datetime.now(UTC)
        run.message = "canceled from the Status page"
    return run.title if run else job_id


def _latest_run(session: Session, job_id: str) -> JobRun | None:
    return session.scalar(
        select(JobRun).where(JobRun.rq_job_id == job_id).order_by(JobRun.id.desc()).limit(1)
    )


def score_freshness(session: Session) -> Freshness:
    newest_at, newest_day, scored = session.execute(
        select(func.max(AccountHealth.updated_at), func.max(AccountHealth.day), func.count())
    ).one()
    last_job = session.scalar(
        select(func.max(JobRun.ended_at)).where(JobRun.queue == "scores", JobRun.status == "finished")
    )
    return Freshness(
        newest_score_at=_aware(newest_at),
        newest_score_day=newest_day,
        accounts_scored=int(scored),
        last_score_job_at=_aware(last_job),
    )


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
