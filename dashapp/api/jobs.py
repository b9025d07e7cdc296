"""`/jobs/{id}`: status and progress of a background job (from `job_runs`)."""

from __future__ import annotations

from typing import Any

from flask import Response

from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, id_param, json_response, path_id
from dashapp.api.schemas import Job
from dashapp.api.spec import operation
from dashapp.auth.permissions import can
from dashapp.extensions import db_session
from models.job import JobRun

JOB_ID = id_param("job_id", "The job's id, as returned when it was started.")


def job_body(run: JobRun) -> dict[str, Any]:
    error = (run.error or "").strip().splitlines()
    return {
        "id": run.id,
        "kind": run.kind,
        "title": run.title,
        "status": run.status,
        "progress": run.progress,
        "message": run.message,
        "enqueued_at": run.enqueued_at,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "result": run.result,
        "error": error[-1] if error and run.status == "failed" else None,
    }


@operation(
    bp,
    "GET",
    "/jobs/{job_id}",
    summary="Status and progress of a job",
    tag="Jobs",
    response=Job,
    permission=None,
    errors=(404,),
    path_params=JOB_ID,
)
def get_job(caller: Any, job_id: str) -> Response:
    """A job you started (or any job, if your role may run jobs): status, progress 0-1, timings, result."""
    missing = f"There is no job {job_id[:40]} that you can see."
    run = db_session().get(JobRun, path_id(job_id, "job", detail=missing))
    if run is None or (run.requested_by_id != caller.user.id and not can(caller.user, "run_jobs")):
        raise ApiError(404, missing)
    return json_response(job_body(run))
