"""Forecast jobs: a coordinator plans the series and queues one fit per series on the "analytics" queue,
so the fits spread over every worker listening to it. Each fit refits only when its input changed.

Thin shells around `dashapp.analytics.forecasting`: plain arguments in, a JSON-able summary out.
"""

from __future__ import annotations

from typing import Any

from rq import Retry

from dashapp.analytics.forecasting import model, store
from dashapp.analytics.forecasting import series as fseries
from dashapp.settings import Settings
from jobs.queues import enqueue, make_job_id
from jobs.runtime import job_database, job_settings, set_progress, tracked
from models.db import Database
from models.job import JobRun

# A fit replaces its rows in one transaction, so a retry is always safe.
FIT_RETRY = Retry(max=1, interval=[30])


def preload() -> None:
    """Import this module's work (Prophet included) in a forking worker before it forks a process per job."""
    model.preload()


@tracked
def fit_series(key: str, force: bool = False) -> dict[str, Any]:
    """Fit one series (by key) and store it; skipped when its input fingerprint is unchanged."""
    parsed = fseries.SeriesKey.parse(key)
    with job_database().transaction() as session:
        return store.fit_and_store(session, parsed, force=force).as_dict()


def enqueue_fit(
    settings: Settings, db: Database, key: str, *, force: bool = False, requested_by_id: int | None = None
) -> JobRun:
    fseries.SeriesKey.parse(key)  # refuse a bad key before queueing it
    return enqueue(
        settings,
        db,
        fit_series,
        key,
        force=force,
        kind="forecasts.fit",
        queue="analytics",
        title=f"Forecast {key}",
        job_id=make_job_id("forecast", key),
        requested_by_id=requested_by_id,
        retry=FIT_RETRY,
        params={"key": key, "force": force},
    )


@tracked
def run_all(force: bool = False, actor_id: int | None = None) -> dict[str, Any]:
    """Plan every series, drop the stored ones no longer planned, and queue one fit per series."""
    db = job_database()
    settings = job_settings()
    with db.transaction() as session:
        keys = [k.key for k in fseries.plan(session)]
        pruned = store.prune(session, keys)
    runs = []
    for i, key in enumerate(keys):
        runs.append(enqueue_fit(settings, db, key, force=force, requested_by_id=actor_id).id)
        if i % 20 == 0:
            set_progress(i / max(1, len(keys)), f"queued {i} of {len(keys)} forecast fits")
    return {"series": len(keys), "queued_runs": runs, "pruned": pruned, "force": force}


def enqueue_run(
    settings: Settings, db: Database, *, force: bool = False, requested_by_id: int | None = None
) -> JobRun:
    """Queue the coordinator; while one is pending, asking again returns it."""
    return enqueue(
        settings,
        db,
        run_all,
        force=force,
        actor_id=requested_by_id,
        kind="forecasts.run",
        queue="analytics",
        title="Fit forecasts (all series)" + (", forced" if force else ""),
        job_id=make_job_id("forecasts", "all"),
        requested_by_id=requested_by_id,
        params={"force": force},
    )


def run_inline(db: Database, *, force: bool = False, progress: Any = None) -> list[store.Outcome]:
    """Fit every series here, one after another (the CLI without workers, and the benchmark baseline)."""
    with db.transaction() as session:
        keys = fseries.plan(session)
        store.prune(session, [k.key for k in keys])
    outcomes = []
    for i, key in enumerate(keys):
        with db.transaction() as session:
            outcomes.append(store.fit_and_store(session, key, force=force))
        if progress is not None:
            progress(i + 1, len(keys))
    return outcomes
