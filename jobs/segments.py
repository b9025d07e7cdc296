"""Segmentation job: cluster the book by behaviour and store the run (on the "analytics" queue).

A thin shell over `dashapp.analytics.segment_store`: plain arguments, its own session, progress, and a
JSON-able summary in `job_runs.result`. A book that cannot be segmented (too few accounts, nothing varies)
is not an error of the job: the run finishes with `stored: false` and the reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rq import Retry

from dashapp.analytics.segment_store import WINDOW_DAYS, run_segmentation
from dashapp.analytics.segmentation import SegmentationError
from dashapp.cache import bump_data_version
from dashapp.settings import Settings
from jobs.queues import enqueue, make_job_id
from jobs.runtime import job_database, job_settings, set_progress, tracked
from models.db import Database
from models.job import JobRun

# Storing a run is one transaction, so a retry never leaves half a run behind.
RUN_RETRY = Retry(max=1, interval=[60])


@tracked
def run(as_of: str | None = None, k: int | None = None, window_days: int = WINDOW_DAYS) -> dict[str, Any]:
    """Segment every live account by its behaviour over `window_days` days ending on `as_of` (default today)."""
    day = date.fromisoformat(as_of) if as_of else date.today()
    try:
        with job_database().transaction() as session:
            stored = run_segmentation(session, as_of=day, window_days=window_days, k=k, progress=set_progress)
            summary = {
                "stored": True,
                "segment_run_id": stored.id,
                "as_of": day.isoformat(),
                "k": stored.k,
                "accounts": stored.accounts,
                "silhouette": stored.silhouette,
                "stability": stored.stability,
                "clusters": {str(c["cluster"]): c["name"] for c in stored.clusters},
            }
    except SegmentationError as exc:
        return {"stored": False, "as_of": day.isoformat(), "reason": str(exc)}
    bump_data_version(job_settings(), "behaviour segmentation")
    set_progress(1.0, f"{summary['k']} segments over {summary['accounts']:,} accounts")
    return summary


def enqueue_run(
    settings: Settings,
    db: Database,
    *,
    as_of: date | None = None,
    k: int | None = None,
    requested_by_id: int | None = None,
) -> JobRun:
    """Queue a segmentation run; asking again while one is pending returns that run."""
    day = as_of.isoformat() if as_of else None
    return enqueue(
        settings,
        db,
        run,
        kind="segments.run",
        queue="analytics",
        title="Segment accounts by behaviour" + (f" (k={k})" if k else ""),
        job_id=make_job_id("segments", day or "today", k or "auto"),
        requested_by_id=requested_by_id,
        retry=RUN_RETRY,
        params={"as_of": day, "k": k},
        as_of=day,
        k=k,
    )
