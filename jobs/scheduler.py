"""The scheduler loop behind `healthdash scheduler`: enqueue each periodic job once per cron period.

Why not `rq cron`: it enqueues straight onto RQ (no `job_runs` record) and every running instance enqueues
on its own, so two schedulers double the work. Here each period of each entry is claimed once in Redis
(`SET NX` on "<name>:<period start>"), so any number of schedulers enqueue it exactly once, and the job
goes through `jobs.queues.enqueue` like every other job (recorded, unique id per period).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from croniter import croniter

from dashapp.settings import Settings
from jobs.queues import enqueue, make_job_id, redis_connection
from jobs.schedule import SCHEDULE, Periodic, validate
from models.db import Database
from models.job import JobRun

log = logging.getLogger(__name__)
CLAIM_TTL = timedelta(days=8)
# Without catch-up, a run is still made if the scheduler notices its time within this grace period.
GRACE = timedelta(minutes=10)


def due_period(entry: Periodic, now: datetime) -> datetime:
    """Start of the latest period of `entry` at or before `now` (UTC)."""
    base = now.astimezone(UTC).replace(tzinfo=None) + timedelta(microseconds=1)
    previous: datetime = croniter(entry.cron, base).get_prev(datetime)
    return previous.replace(tzinfo=UTC)


def claim_key(settings: Settings, entry: Periodic, period: datetime) -> str:
    return f"{settings.redis_namespace}schedule:{entry.name}:{period:%Y%m%dT%H%M}"


def tick(
    settings: Settings,
    db: Database,
    now: datetime | None = None,
    schedule: tuple[Periodic, ...] = SCHEDULE,
) -> list[JobRun]:
    """Enqueue every entry whose current period has not been claimed yet. Returns the runs enqueued."""
    now = now or datetime.now(UTC)
    connection = redis_connection(settings.redis_url or "")
    runs = []
    for entry in schedule:
        period = due_period(entry, now)
        if not entry.catch_up and now - period > GRACE:
            continue
        key = claim_key(settings, entry, period)
        if not connection.set(key, now.isoformat(), nx=True, ex=int(CLAIM_TTL.total_seconds())):
            continue  # this period was already enqueued (by us or another scheduler)
        try:
            run = enqueue(
                settings,
                db,
                entry.func,
                kind=entry.kind,
                queue=entry.queue,
                title=entry.title,
                job_id=make_job_id("scheduled", entry.name, f"{period:%Y%m%dT%H%M}"),
                retry=entry.retry,
                params={"schedule": entry.name, "period": period.isoformat(), **entry.kwargs},
                **entry.kwargs,
            )
        except Exception:
            connection.delete(key)  # let the next tick try again
            raise
        log.info("enqueued %s for %s (run %s)", entry.name, period.isoformat(), run.id)
        runs.append(run)
    return runs


def run_forever(
    settings: Settings,
    db: Database,
    *,
    interval: float = 30.0,
    stop: threading.Event | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> None:
    """Tick every `interval` seconds until `stop` is set. A failing tick is logged and retried."""
    validate()
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            tick(settings, db)
        except Exception as exc:
            log.exception("scheduler tick failed")
            if on_error is not None:
                on_error(exc)
        stop.wait(interval)
