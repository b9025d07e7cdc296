"""What every job runs inside: its own database handle, the `job_runs` record, and progress reporting."""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from rq import get_current_job
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.settings import Settings
from models.db import Database
from models.job import JobRun

_db: Database | None = None


def job_settings() -> Settings:
    """Workers run with DATABASE_URL/REDIS_URL already resolved (see `healthdash worker`)."""
    return Settings.from_env()


def job_database() -> Database:
    """One engine per process, created lazily in the process that runs the job (never shared across fork)."""
    global _db
    if _db is None:
        url = job_settings().database_url
        if not url:
            raise RuntimeError(
                "DATABASE_URL is not set in the worker's environment; start it with `healthdash worker`"
            )
        _db = Database(url, pool_size=2)
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


def tracked(func: Callable[..., Any]) -> Callable[..., Any]:
    """Record start, success (with the returned dict) or failure (with the traceback) in `job_runs`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
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
            job = get_current_job()
            retries_left = bool(job and job.retries_left)
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

    return wrapper
