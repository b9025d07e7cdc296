"""`GET /admin/data/imports/<id>/errors.csv`: an import's row-level error report (login + permission)."""

from __future__ import annotations

from flask import Blueprint, Response, stream_with_context
from flask_login import current_user

from dashapp.auth.permissions import can
from dashapp.errors import problem
from dashapp.extensions import runtime
from dashapp.ingest.csv_import import error_report_lines
from models.ingest import DataImport

bp = Blueprint("ingest_downloads", __name__)


@bp.get("/admin/data/imports/<int:import_id>/errors.csv")
def error_report(import_id: int) -> Response:
    if not can(current_user, "manage_integrations"):
        return problem(403, "Your role does not allow this (manage_integrations).", title="Forbidden")
    db = runtime().db
    with db.transaction() as session:
        found = session.get(DataImport, import_id)
        name = found.filename if found else ""
    if not found:
        return problem(404, f"there is no import {import_id}")
    stem = name.rsplit(".", 1)[0] or "import"
    return Response(
        stream_with_context(error_report_lines(db, import_id)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{stem}-errors-{import_id}.csv"'},
    )
