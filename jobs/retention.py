"""The nightly job that enforces RAW_EVENT_RETENTION_DAYS (see dashapp/ops/retention.py)."""

from __future__ import annotations

from typing import Any

from dashapp.ops.retention import cutoff, delete_batch
from jobs.runtime import job_database, job_settings, tracked


@tracked
def enforce_event_retention() -> dict[str, Any]:
    """Delete raw usage events older than the retention period, one committed batch at a time."""
    days = job_settings().raw_event_retention_days
    if days == 0:
        return {"deleted": 0, "retention_days": None}
    before = cutoff(days)
    deleted = 0
    while True:
        with job_database().transaction() as session:
            gone = delete_batch(session, before)
        deleted += gone
        if gone == 0:
            break
    return {"deleted": deleted, "retention_days": days, "before": before.isoformat()}
