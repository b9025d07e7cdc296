"""CSV imports started from the admin page run here, on the `ingest` queue, with progress."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from dashapp.ingest.csv_import import ImportOptions, run_import
from dashapp.settings import Settings
from jobs.queues import enqueue
from jobs.rollup import job_prefix
from jobs.runtime import job_database, job_settings, set_progress, tracked
from models.db import Database
from models.ingest import DataImport
from models.job import JobRun


def enqueue_import(
    settings: Settings, db: Database, import_id: int, path: Path, options: ImportOptions
) -> JobRun:
    return enqueue(
        settings,
        db,
        run_csv_import,
        import_id,
        str(path),
        options.kind,
        options.mapping,
        options.dry_run,
        options.encoding,
        kind="csv_import",
        queue="ingest",
        title=f"Import {options.kind} from {options.filename}",
        # RQ job ids allow only [A-Za-z0-9_-]; ids of a reset database repeat, hence the random part.
        job_id=f"{job_prefix(settings)}import-{import_id}-{uuid.uuid4().hex[:8]}",
        requested_by_id=options.requested_by_id,
        params={"import_id": import_id, "kind": options.kind, "dry_run": options.dry_run},
    )


@tracked
def run_csv_import(
    import_id: int, path: str, kind: str, mapping: dict[str, str], dry_run: bool, encoding: str
) -> dict[str, Any]:
    options = ImportOptions(kind=kind, mapping=mapping, dry_run=dry_run, encoding=encoding)
    file = Path(path)
    with job_database().transaction() as session:
        record = session.get(DataImport, import_id)
        if record is None or record.status != "running":
            file.unlink(missing_ok=True)
            return {"import_id": import_id, "skipped": "the import is not waiting to run"}
    try:
        return run_import(
            job_database(), file, options, import_id=import_id, settings=job_settings(), progress=set_progress
        )
    finally:
        file.unlink(missing_ok=True)
