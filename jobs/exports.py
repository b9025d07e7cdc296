"""Export jobs (queue "exports"): build one export's file; remove files past their retention period.

Thin shells over `dashapp.exports.service`: they take ids, open their own session and report progress.
"""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from dashapp.exports import service
from dashapp.settings import Settings
from jobs.queues import enqueue
from jobs.runtime import job_database, job_settings, set_progress, tracked
from models.db import Database
from models.export import Export
from models.user import User


def _set_status(export_id: int, status: str, error: str | None = None) -> None:
    with job_database().transaction() as session:
        export = session.get(Export, export_id)
        if export is not None:
            export.status = status
            export.error = error
            if status == "failed":
                export.finished_at = datetime.now(UTC)


@tracked
def build_export(export_id: int) -> dict[str, Any]:
    """Write the file of export `export_id` (CSV or PDF)."""
    _set_status(export_id, "started")
    try:
        with job_database().transaction() as session:
            export = session.get(Export, export_id)
            if export is None:
                raise LookupError(f"export {export_id} no longer exists")
            return service.build(session, job_settings(), export, progress=set_progress)
    except Exception as exc:
        _set_status(export_id, "failed", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
        raise


@tracked
def remove_expired_exports() -> dict[str, Any]:
    """Delete exported files older than EXPORT_RETENTION_DAYS (periodic)."""
    with job_database().transaction() as session:
        return {"removed": service.remove_expired(session, job_settings())}


def request_export(
    settings: Settings,
    db: Database,
    session: Session,
    user: User,
    **request: Any,
) -> Export:
    """Validate and record an export (committed in `session`), then enqueue its job; returns the export."""
    export = service.new_export(session, user, **request)
    session.commit()
    run = enqueue(
        settings,
        db,
        build_export,
        export.id,
        kind=f"export.{export.format}",
        queue="exports",
        title=f"Export {export.format.upper()} of {export.page}"[:255],
        requested_by_id=user.id,
        params={"export_id": export.id},
    )
    export.job_run_id = run.id
    session.commit()
    return export
