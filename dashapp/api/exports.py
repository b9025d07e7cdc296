"""`/exports`: start a CSV or PDF export (a job on the "exports" queue) and follow it to its download link."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Response, send_file
from pydantic import BaseModel, Field

from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, json_response
from dashapp.api.schemas import Strict
from dashapp.api.spec import operation
from dashapp.exports.files import can_download, stored_path
from dashapp.exports.target import ExportError, problems
from dashapp.extensions import db_session, runtime, settings
from jobs.exports import request_export
from models.export import Export
from models.job import JobRun

PAGE_PATTERN = r"^/(accounts|cohorts|compare)?$|^/accounts/[^\s/?#]{1,245}$"
EXPORT_ID = {
    "export_id": {
        "description": "The export's id, as returned when it was started.",
        "schema": {"type": "string", "minLength": 16, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"},
    }
}


class ExportRequest(Strict):
    format: Literal["csv", "pdf"] = Field(description="`csv`: every matching row; `pdf`: a snapshot.")
    page: str | None = Field(
        None,
        max_length=255,
        pattern=PAGE_PATTERN,
        description="The page to export: `/` (the default), `/accounts`, `/accounts/{external_id}`, `/cohorts` "
        "or `/compare`.",
    )
    query: str = Field(
        "", max_length=8000, description="The page's query string (filters and page keys), as in its URL."
    )
    view_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="A saved view to export (instead of `page` and `query`)."
    )
    paper: Literal["a4", "letter"] = Field("a4", description="PDF page size.")


class ExportBody(BaseModel):
    id: str
    format: Literal["csv", "pdf"]
    page: str
    query: str
    view_id: int | None
    status: Literal["queued", "started", "finished", "failed", "expired"]
    progress: float = Field(ge=0, le=1)
    message: str
    filename: str | None
    rows: int | None
    size: int | None = Field(description="File size in bytes.")
    download_url: str | None = Field(
        description="Where to download the file (signed-in users), when finished."
    )
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    job_id: int | None
    error: str | None
    warnings: list[str] = Field(
        default_factory=list,
        description="Values of `query` that are not valid filters: left out of the export (as the page does).",
    )


def export_body(export: Export, run: JobRun | None) -> dict[str, Any]:
    error = (export.error or "").strip().splitlines()
    return {
        "id": export.token,
        "format": export.format,
        "page": export.page,
        "query": export.query,
        "view_id": export.view_id,
        "status": export.status,
        "progress": 1.0 if export.status == "finished" else (run.progress if run else 0.0),
        "message": run.message if run else "",
        "filename": export.filename or None,
        "rows": export.rows,
        "size": export.size,
        "download_url": f"/api/v1/exports/{export.token}/file" if export.status == "finished" else None,
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "expires_at": export.expires_at,
        "job_id": export.job_run_id,
        "error": error[0] if error and export.status == "failed" else None,
        "warnings": [],
    }


@operation(
    bp,
    "POST",
    "/exports",
    summary="Start an export",
    tag="Exports",
    response=ExportBody,
    body=ExportRequest,
    scope="read",
    permission="export",
    status=202,
    errors=(404,),
)
def create_export(caller: Any, body: ExportRequest) -> Response:
    """Export a page (with its filters) or a saved view as CSV (every matching row) or PDF (a snapshot with
    charts and full tables). The file is built by a background job: poll `GET /exports/{id}`."""
    rt = runtime()
    session = db_session()
    try:
        export = request_export(
            rt.settings,
            rt.db,
            session,
            caller.user,
            format=body.format,
            page=body.page or "/",
            query=body.query,
            view_id=body.view_id,
            paper=body.paper,
        )
    except ExportError as exc:
        session.rollback()
        message = str(exc)
        if message.startswith("view_id:"):
            raise ApiError(404, message) from None
        raise ApiError(
            422, message, errors=[{"name": message.partition(":")[0] or "body", "message": message}]
        ) from None
    run = session.get(JobRun, export.job_run_id) if export.job_run_id else None
    out = export_body(export, run)
    out["warnings"] = problems(export.query) if export.view_id is None else []
    return json_response(out, status=202, headers={"Location": f"/api/v1/exports/{export.token}"})


@operation(
    bp,
    "GET",
    "/exports/{export_id}",
    summary="Status of an export",
    tag="Exports",
    response=ExportBody,
    permission="view",
    errors=(404,),
    path_params=EXPORT_ID,
)
def get_export(caller: Any, export_id: str) -> Response:
    """Status and progress of an export; `download_url` once its file is ready."""
    session = db_session()
    export = _visible(export_id, caller)
    run = session.get(JobRun, export.job_run_id) if export.job_run_id else None
    return json_response(export_body(export, run))


def _visible(export_id: str, caller: Any) -> Export:
    session = db_session()
    export = session.query(Export).filter_by(token=export_id).one_or_none()
    if export is None or not can_download(session, caller.user, export):
        raise ApiError(404, "There is no export like that that you can see.")
    return export


@operation(
    bp,
    "GET",
    "/exports/{export_id}/file",
    summary="Download an export's file",
    tag="Exports",
    response=None,
    media={"text/csv": "A CSV export.", "application/pdf": "A PDF snapshot."},
    permission="view",
    errors=(404, 409),
    path_params=EXPORT_ID,
)
def get_export_file(caller: Any, export_id: str) -> Response:
    """The exported file, once the export has finished (409 before; 404 once removed after the retention
    period)."""
    export = _visible(export_id, caller)
    if export.status in ("queued", "started"):
        raise ApiError(409, f"The export is {export.status}; its file is not ready yet.")
    path = stored_path(settings(), export) if export.status == "finished" else None
    if path is None or not path.is_file():
        raise ApiError(404, "This export has no file (it failed, or was removed after the retention period).")
    media = {"csv": "text/csv", "pdf": "application/pdf"}[export.format]
    return send_file(path, mimetype=media, as_attachment=True, download_name=export.filename)
