"""The one module that owns RQ queues and enqueues jobs.

Each enqueue writes a `job_runs` row first (so the UI and API can poll it by id), then puts the job on its
queue with its timeout, retry policy, title and progress in `meta`. A caller-supplied `job_id` makes the
job unique while it waits: a second request for the same work returns the run already queued.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import redis
from rq import Callback, Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import JobStatus
from sqlalchemy import select

from dashapp.ops.context import current_request_id
from dashapp.settings import Settings
from jobs.runtime import record_failure
from models.db import Database
from models.job import JobRun

_PENDING = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


@dataclass(frozen=True)
class QueueSpec:
    name: str
    timeout: int  # seconds a job may run before the worker kills it
    result_ttl: int = 24 * 3600
    failure_ttl: int = 7 * 24 * 3600


QUEUES: dict[str, QueueSpec] = {
    spec.name: spec
    for spec in (
        QueueSpec("default", timeout=10 * 60),
        QueueSpec("ingest", timeout=30 * 60),
        QueueSpec("scores", timeout=2 * 3600),
        QueueSpec("analytics", timeout=2 * 3600),
        QueueSpec("exports", timeout=15 * 60),
        QueueSpec("reports", timeout=15 * 60),
        QueueSpec("notify", timeout=10 * 60),
    )
}


@cache
def redis_connection(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def get_queue(name: str, settings: Settings) -> Queue:
    if name not in QUEUES:
        raise KeyError(f"unknown queue {name!r}; known: {', '.join(QUEUES)}")
    assert settings.redis_url, "resolve services first"
    return Queue(
        settings.redis_namespace + name,
        connection=redis_connection(settings.redis_url),
        default_timeout=QUEUES[name].timeout,
    )


def all_queues(settings: Settings, names: list[str] | None = None) -> list[Queue]:
    return [get_queue(n, settings) for n in (names or list(QUEUES))]


def job_prefix(settings: Settings) -> str:
    """This install's prefix for RQ job ids: ids are global in Redis (job ids allow [A-Za-z0-9_-])."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", settings.redis_namespace)


def make_job_id(*parts: object) -> str:
    """A valid RQ job id (letters, digits, `_` and `-`) from readable parts: make_job_id("scores", 42)."""
    return "-".join(re.sub(r"[^A-Za-z0-9_-]+", "_", str(part)).strip("_") or "_" for part in parts)


def enqueue(
    settings: Settings,
    db: Database,
    func: Callable[..., Any],
    *args: Any,
    kind: str,
    queue: str = "default",
    title: str = "",
    job_id: str | None = None,
    requested_by_id: int | None = None,
    retry: Retry | None = None,
    params: dict[str, Any] | None = None,
    **kwargs: Any,
) -> JobRun:
    """Record a run and enqueue `func(*args, **kwargs)`. Arguments must be plain values (ids, not ORM objects).

    With `job_id` the job is unique while it waits or runs: asking again returns the pending run. Once that
    job has ended (finished, failed), the same id may be enqueued again.
    """
    spec = QUEUES[queue]
    # Job ids are global in Redis, so they carry the namespace like queue names do (once).
    name = make_job_id(job_id if job_id is not None else make_job_id(kind, uuid.uuid4().hex))
    prefix = job_prefix(settings)
    rq_job_id = name if name.startswith(prefix) else prefix + name
    q = get_queue(queue, settings)
    if job_id is not None:
        previous = q.fetch_job(rq_job_id)
        if previous is not None:
            if previous.get_status(refresh=False) in _PENDING:
                existing = _pending_run(db, rq_job_id)
                if existing is not None:
                    return existing
            previous.delete()
    with db.transaction() as session:
        run = JobRun(
            rq_job_id=rq_job_id,
            kind=kind,
            queue=queue,
            title=title or kind,
            requested_by_id=requested_by_id,
            params=params or {},
            status="queued",
        )
        session.add(run)
    try:
        q.enqueue(
            func,
            *args,
            job_id=rq_job_id,
            unique=job_id is not None,
            retry=retry,
            job_timeout=spec.timeout,
            result_ttl=spec.result_ttl if job_id is None else 0,
            failure_ttl=spec.failure_ttl,
            meta={
                "kind": kind,
                "title": run.title,
                "run_id": run.id,
                "progress": 0.0,
                # The web request (or job) that asked for this work, so its log lines can be followed here.
                "request_id": current_request_id(),
            },
            description=run.title,
            on_failure=Callback(record_failure),
            **kwargs,
        )
    except DuplicateJobError:
        # Another process enqueued the same unique job between our check and our enqueue.
        with db.transaction() as session:
            session.delete(session.get(JobRun, run.id))
        pending = _pending_run(db, rq_job_id)
        if pending is None:
            raise
        return pending
    return run


def _pending_run(db: Database, rq_job_id: str) -> JobRun | None:
    with db.transaction() as session:
        return session.scalar(
            select(JobRun)
            .where(JobRun.rq_job_id == rq_job_id, JobRun.status.in_(("queued", "started")))
            .order_by(JobRun.id.desc())
            .limit(1)
        )
