"""What every job runs inside: its own database handle, the `job_runs` record, and progress reporting."""

from __future__ import annotations

import functools
import logging
import os
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from rq import get_current_job
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.ops import counters
from dashapp.ops.context import set_request_id
from dashapp.settings import Settings
from models.db import Database
from models.job import JobRun

log = logging.getLogger(__name__)
_db: Database | None = None


def job_settings() -> Settings:
    """Workers run with DATABASE_URL/REDIS_URL already resolved (see `healthdash worker`)."""
    return Settings.from_env()


def job_database() -> Database:
    """One engine per process, created lazily in the process that runs the job (never shared across fork)."""
    global _db
    if _db is None:
        settings = job_settings()
        url = settings.database_url
        if not url:
            raise RuntimeError(
                "DATABASE_URL is not set in the worker's environment; start it with `healthdash worker`"
            )
        _db = Database(url, pool_size=2, session_info=settings.money)
    return _db


def use_database(db: Database | None) -> None:
    """Point jobs at a given database (the CLI running a job inline, and tests)."""
    global _db
    _db = db


def _reset_after_fork() -> None:
    if _db is not None:
        _db.dispose()


os.register_at_fork(after_in_child=_reset_after_fork)


@contextmanager
def job_session() -> Iterator[Session]:
    with job_database().transaction() as session:
        yield session


def _current_run(session: Session) -> JobRun | None:
    job = get_current_job()
    if job is None:
        return None
    return session.scalar(
        select(JobRun).where(JobRun.rq_job_id == job.id).order_by(JobRun.id.desc()).limit(1)
    )


def set_progress(fraction: float, message: str = "") -> None:
    """Report progress (0..1) to RQ's meta and to the job_runs row."""
    fraction = min(1.0, max(0.0, float(fraction)))
    job = get_current_job()
    if job is None:
        return
    job.meta["progress"] = fraction
    job.meta["message"] = message
    job.save_meta()
    with job_session() as session:
        run = _current_run(session)
        if run is not None:
            run.progress = fraction
            run.message = message


def _retrying(job: Any) -> bool:
    return bool(job is not None and job.retries_left and job.retries_left > 0)


def record_failure(
    job: Any, connection: Any, exc_type: Any = None, exc_value: Any = None, tb: Any = None
) -> None:
    """RQ `on_failure` callback, set on every job by `jobs.queues.enqueue`.

    `tracked` records ordinary failures itself; this covers runs that never got to: a job abandoned by a
    dead worker (RQ calls this with `AbandonedJobError` when it cleans the started registry) or a job
    whose work-horse was killed. Their `job_runs` row would otherwise stay 'started' forever. Rows that
    `tracked` already closed are left alone.
    """
    reason = exc_type.__name__ if isinstance(exc_type, type) else "failure"
    detail = f"{reason}: {exc_value}" if exc_value else reason
    if mark_interrupted(job, f"the worker running this job stopped before it finished ({detail})"):
        _count_interrupted(job)


def mark_interrupted(job: Any, message: str) -> bool:
    """Close a 'started' run that its process can no longer close: queued again if RQ will retry it,
    failed otherwise. True when a run was closed."""
    retrying = _retrying(job)
    with job_session() as session:
        run = session.scalar(
            select(JobRun).where(JobRun.rq_job_id == job.id).order_by(JobRun.id.desc()).limit(1)
        )
        if run is None or run.status != "started":
            return False
        run.status = "queued" if retrying else "failed"
        run.error = message + ("; it will be retried" if retrying else "")
        run.ended_at = None if retrying else datetime.now(UTC)
    return True


def work_horse_killed(job: Any, retpid: int, ret_val: int, rusage: Any) -> None:
    """Worker hook: the process running `job` died (OOM killer, SIGKILL, segfault)."""
    signal_note = f" by signal {os.WTERMSIG(ret_val)}" if ret_val and os.WIFSIGNALED(ret_val) else ""
    if mark_interrupted(job, f"the process running this job was killed{signal_note}"):
        _count_interrupted(job)


def _queue_name(job: Any, settings: Settings) -> str:
    """The queue's name without this install's namespace (as `jobs.queues.QUEUES` names it)."""
    return (getattr(job, "origin", "") or "unknown").removeprefix(settings.redis_namespace)


def _count_interrupted(job: Any) -> None:
    try:
        settings = job_settings()
        counters.record_job_interrupted(settings, _queue_name(job, settings))
    except Exception:  # metrics must never change what happens to the job
        log.warning("could not count the interrupted job %s", getattr(job, "id", "?"), exc_info=True)


def _record_metrics(job: Any, seconds: float, *, failed: bool) -> None:
    if job is None:
        return
    try:
        settings = job_settings()
        counters.record_job(settings, _queue_name(job, settings), seconds, failed=failed)
    except Exception:
        log.warning("could not record metrics for job %s", job.id, exc_info=True)


def tracked(func: Callable[..., Any]) -> Callable[..., Any]:
    """Record start, success (with the returned dict) or failure (with the traceback) in `job_runs`;
    log both with the request id that enqueued the job, and count the job in the queue's metrics."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        job = get_current_job()
        if job is None:  # run inline (CLI, tests): nothing to label or count
            return _run_recorded(func, *args, **kwargs)
        set_request_id(job.meta.get("request_id") or None)
        started = time.perf_counter()
        log.info("job %s (%s) started", job.id, job.meta.get("kind", func.__name__))
        try:
            result = _run_recorded(func, *args, **kwargs)
        except Exception:
            _record_metrics(job, time.perf_counter() - started, failed=True)
            log.warning("job %s failed", job.id)
            set_request_id(None)
            raise
        seconds = time.perf_counter() - started
        _record_metrics(job, seconds, failed=False)
        log.info("job %s finished in %.3f s", job.id, seconds)
        set_request_id(None)
        return result

    return wrapper


def _run_recorded(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with job_session() as session:
        run = _current_run(session)
        if run is not None:
            run.status = "started"
            run.started_at = datetime.now(UTC)
            run.attempts += 1
            run.error = None
    try:
        result = func(*args, **kwargs)
    except Exception:
        retries_left = _retrying(get_current_job())
        with job_session() as session:
            run = _current_run(session)
            if run is not None:
                run.status = "queued" if retries_left else "failed"
                run.error = traceback.format_exc(limit=20)
                run.ended_at = None if retries_left else datetime.now(UTC)
        raise
    with job_session() as session:
        run = _current_run(session)
        if run is not None:
            run.status = "finished"
            run.progress = 1.0
            run.ended_at = datetime.now(UTC)
            run.result = result if isinstance(result, dict) else None
    return result
