"""The daily roll-up on RQ: pending account-days -> `account_daily_metrics`, and full rebuilds.

Coalescing: writers add touched (account, day) pairs to `rollup_pending` inside their own transaction,
then call `schedule()`. A Redis flag (SET NX) lets only the first writer of a burst enqueue the job, under
the unique job id `rollup:pending`; the job clears the flag *before* draining the table, so a pair
committed after the drain started always finds the flag clear and schedules the next run. A burst of
batches therefore costs one roll-up of each touched account-day, not one job per batch.
"""

from __future__ import annotations

import re
from datetime import date

import redis
from rq.job import JobStatus
from sqlalchemy import select

from dashapp.cache import bump_data_version
from dashapp.ingest import rollup as core
from dashapp.scoring.start_dates import fill_from_first_activity
from dashapp.settings import Settings
from jobs.queues import enqueue, get_queue, redis_connection
from jobs.runtime import job_database, job_settings, set_progress, tracked
from models.account import Account
from models.db import Database

JOB_NAME = "rollup-pending"
DRAIN_CHUNK = 20_000
REBUILD_ACCOUNTS_PER_CHUNK = 200
_ENDED = (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)
# If a flag outlives its job (e.g. Redis lost the job), a later writer may schedule again after this.
FLAG_TTL_SECONDS = 600


def flag_key(settings: Settings) -> str:
    return f"{settings.redis_namespace}healthdash:rollup:scheduled"


def job_prefix(settings: Settings) -> str:
    """RQ job ids are global in Redis: prefix this install's namespace (job ids allow [A-Za-z0-9_-])."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", settings.redis_namespace)


def job_id(settings: Settings) -> str:
    return job_prefix(settings) + JOB_NAME


def schedule(settings: Settings, db: Database, conn: redis.Redis | None = None) -> bool:
    """Make sure a roll-up run will see the pending pairs committed so far. True if a job was enqueued."""
    conn = conn or redis_connection(settings.redis_url or "")
    if not conn.set(flag_key(settings), "1", nx=True, ex=FLAG_TTL_SECONDS):
        return False
    # A unique job id stays taken while RQ keeps the job; a finished or failed run must not block the next.
    previous = get_queue("ingest", settings).fetch_job(job_id(settings))
    if previous is not None and previous.get_status(refresh=True) in _ENDED:
        previous.delete()
    enqueue(
        settings,
        db,
        run_pending,
        kind="rollup",
        queue="ingest",
        title="Daily roll-up of new events",
        job_id=job_id(settings),
    )
    return True


@tracked
def run_pending() -> dict[str, int]:
    """Drain `rollup_pending` in chunks, each in its own transaction."""
    settings = job_settings()
    redis_connection(settings.redis_url or "").delete(flag_key(settings))
    try:
        return drain(job_database())
    finally:  # each chunk commits on its own: even a failed run may have changed some days
        bump_data_version(settings, "event roll-up")


def drain(db: Database) -> dict[str, int]:
    totals = {"account_days": 0, "changed": 0, "removed": 0}
    with db.engine.connect() as conn:
        pg = conn.connection.driver_connection
        while True:
            with pg.transaction():
                taken = core.drain_pending(pg, DRAIN_CHUNK)
                if not taken:
                    break
                result = core.rollup_scope(pg)
            for key in totals:
                totals[key] += result[key]
            set_progress(0.5, f"{totals['account_days']:,} account-days rolled up")
        if totals["account_days"]:
            with pg.transaction():
                fill_from_first_activity(pg)  # accounts imported without a start date start now
        conn.commit()
    return totals


@tracked
def run_rebuild(account_id: int | None = None, since: str | None = None) -> dict[str, int]:
    try:
        return rebuild(job_database(), account_id, date.fromisoformat(since) if since else None)
    finally:
        bump_data_version(job_settings(), "roll-up rebuild")


def rebuild(
    db: Database, account_id: int | None = None, since: date | None = None, progress=None
) -> dict[str, int]:
    """Recompute every day (from `since`) of one account or all accounts, a chunk of accounts at a time."""
    with db.transaction() as session:
        query = select(Account.id).order_by(Account.id)
        if account_id is not None:
            query = query.where(Account.id == account_id)
        ids = list(session.scalars(query))
    totals = {"accounts": len(ids), "account_days": 0, "changed": 0, "removed": 0}
    with db.engine.connect() as conn:
        pg = conn.connection.driver_connection
        for start in range(0, len(ids), REBUILD_ACCOUNTS_PER_CHUNK):
            chunk = ids[start : start + REBUILD_ACCOUNTS_PER_CHUNK]
            with pg.transaction():
                core.scope_for_rebuild(pg, chunk, since)
                pg.execute(
                    f"DELETE FROM rollup_pending p USING {core.SCOPE_TABLE} s "
                    "WHERE p.account_id = s.account_id AND p.day = s.day"
                )
                result = core.rollup_scope(pg)
            for key in ("account_days", "changed", "removed"):
                totals[key] += result[key]
            done = min(len(ids), start + REBUILD_ACCOUNTS_PER_CHUNK)
            set_progress(done / max(1, len(ids)), f"{done:,} of {len(ids):,} accounts")
            if progress is not None:
                progress(len(chunk))
        conn.commit()
    return totals
