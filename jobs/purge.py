"""The nightly job that purges accounts and contacts deleted longer ago than DELETED_RETENTION_DAYS."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dashapp.accounts.purge import purge_deleted
from jobs.runtime import job_database, job_settings, tracked


@tracked
def purge_deleted_accounts() -> dict[str, Any]:
    """Remove soft-deleted accounts and contacts past their retention period (periodic)."""
    days = job_settings().deleted_retention_days
    with job_database().transaction() as session:
        return {**purge_deleted(session, datetime.now(UTC), days), "retention_days": days}
